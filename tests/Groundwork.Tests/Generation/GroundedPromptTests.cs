using Groundwork.Generation;
using Groundwork.Models;
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
        var user = GroundedPrompt.Build("q", [new Passage(1, "Manual", "a", 3, 4, HeadingPath: "Install › Wiring & \"Fuses\""), new Passage(2, "Manual", "b")])[1].Text;

        Assert.Contains("<passage number=\"1\" title=\"Manual\" section=\"Install › Wiring &amp; &quot;Fuses&quot;\" pages=\"3-4\">", user);
        Assert.Contains("<passage number=\"2\" title=\"Manual\">", user);
    }

    [Fact]
    public void TheUserMessageCarriesTheQuestionAndPassagesAsData()
    {
        Passage[] passages =
        [
            new(1, "Quotes \"and\" <tags>", "First passage.\nSecond line.", 2, 3, 0.8),
            new(2, "Plain", "No pages here."),
            new(3, "Sectioned", "Under headings.", HeadingPath: "A › \"B\" & <C>"),
        ];

        var grounded = GroundedQuestion.Of(GroundedPrompt.Build("What now?", passages));

        Assert.Equal("What now?", grounded.Question);
        Assert.Equal(passages, grounded.Passages);
    }

    [Fact]
    public void WithNoPassagesTheModelIsToldNothingIsRelevant()
    {
        var user = GroundedPrompt.Build("What is the capital of Australia?", [])[1].Text;

        Assert.Contains(GroundedPrompt.NothingRelevantNote, user);
        Assert.DoesNotContain("<passage ", user);
        Assert.EndsWith("Question: What is the capital of Australia?", user);
    }

    [Fact]
    public void AMessageWithoutGroundingIsAllQuestion()
    {
        var grounded = GroundedQuestion.Of([new ChatMessage(ChatRole.User, "Just a question")]);

        Assert.Equal("Just a question", grounded.Question);
        Assert.Empty(grounded.Passages);
    }
}
