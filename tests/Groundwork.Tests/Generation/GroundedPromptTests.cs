using Groundwork.Generation;
using Microsoft.Extensions.AI;

namespace Groundwork.Tests.Generation;

public sealed class GroundedPromptTests
{
    [Fact]
    public void PassagesAreNumberedAndTheInstructionsAskForBracketedCitations()
    {
        var messages = GroundedPrompt.Build("Where is the help desk?",
            [new Passage(1, "Handbook", "The help desk is on the third floor."), new Passage(2, "Map", "The library is next to it.")]);

        Assert.Equal(ChatRole.System, messages[0].Role);
        Assert.Contains("[1]", messages[0].Text);
        var user = messages[1].Text;
        Assert.Contains("<passage number=\"1\" title=\"Handbook\">\nThe help desk is on the third floor.\n</passage>", user);
        Assert.Contains("<passage number=\"2\" title=\"Map\">", user);
        Assert.EndsWith("Question: Where is the help desk?", user);
    }

    [Fact]
    public void PassageHeaderNamesItsPagesWhenTheDocumentHasThem()
    {
        var user = GroundedPrompt.Build("q", [new Passage(1, "Manual", "a", 3, 3), new Passage(2, "Manual", "b", 4, 6)])[1].Text;

        Assert.Contains("<passage number=\"1\" title=\"Manual\" pages=\"3\">", user);
        Assert.Contains("<passage number=\"2\" title=\"Manual\" pages=\"4-6\">", user);
    }

    [Fact]
    public void PassageHeaderNamesItsSectionWhenItHasAHeadingPath()
    {
        var user = GroundedPrompt.Build("q", [new Passage(1, "Manual", "a", 3, 4, "Install › Wiring & \"Fuses\""), new Passage(2, "Manual", "b")])[1].Text;

        Assert.Contains("<passage number=\"1\" title=\"Manual\" section=\"Install › Wiring &amp; &quot;Fuses&quot;\" pages=\"3-4\">", user);
        Assert.Contains("<passage number=\"2\" title=\"Manual\">", user);
    }

    [Fact]
    public void ParseReadsBackWhatBuildWrote()
    {
        Passage[] passages =
        [
            new(1, "Quotes \"and\" <tags>", "First passage.\nSecond line.", 2, 3),
            new(2, "Plain", "No pages here."),
            new(3, "Sectioned", "Under headings.", HeadingPath: "A › \"B\" & <C>"),
        ];

        var (question, parsed) = GroundedPrompt.Parse(GroundedPrompt.Build("What now?", passages)[1].Text);

        Assert.Equal("What now?", question);
        Assert.Equal(passages, parsed);
    }
}
