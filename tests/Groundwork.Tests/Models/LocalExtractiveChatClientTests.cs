using Groundwork.Generation;
using Groundwork.Models;

namespace Groundwork.Tests.Models;

public sealed class LocalExtractiveChatClientTests
{
    private static async Task<string> AnswerAsync(string question, Passage[] passages, int? maxTokens = null)
    {
        using var client = new LocalExtractiveChatClient();
        var response = await client.GetResponseAsync(GroundedPrompt.Build(question, passages),
            new Microsoft.Extensions.AI.ChatOptions { MaxOutputTokens = maxTokens }, TestContext.Current.CancellationToken);
        return response.Text;
    }

    [Fact]
    public async Task EveryQuotedSentenceEndsWithTheNumberOfItsPassage()
    {
        var answer = await AnswerAsync("Where is the help desk and when does the canteen open?",
        [
            new(1, "Canteen", "The canteen opens at noon. Soup is served daily."),
            new(2, "Handbook", "The help desk is on the third floor. Laptops are handed out there."),
        ]);

        Assert.Contains("The canteen opens at noon. [1]", answer);
        Assert.Contains("The help desk is on the third floor. [2]", answer);
        Assert.EndsWith(LocalExtractiveChatClient.Disclosure, answer);
    }

    [Fact]
    public async Task MarkdownHeadingsOfAPassageAreNotQuotedAsSentences()
    {
        var answer = await AnswerAsync("What are the control rods made of?",
            [new(1, "Reactor", "## Control rods\nThe control rods are made of hafnium.\n\n### Inspection\n\nThe control rods are inspected yearly.")]);

        Assert.DoesNotContain("#", answer);
        Assert.Contains("The control rods are made of hafnium. [1]", answer);
    }

    [Fact]
    public async Task SentenceCutShortByMaxTokensStillCitesItsPassage()
    {
        var answer = await AnswerAsync("Where is the help desk?", [new(1, "Handbook", "The help desk is on the third floor.")], maxTokens: 3);

        Assert.StartsWith("The help desk … [1]\n\n", answer);
    }

    [Fact]
    public async Task ReferenceMarkersOfTheQuotedTextAreNotPassedOffAsCitations()
    {
        var answer = await AnswerAsync("How tall is the tower?", [new(1, "Encyclopedia", "The tower is 330 metres tall [12][3, 4].")]);

        Assert.StartsWith("The tower is 330 metres tall. [1]\n\n", answer);
        Assert.Equal([1], CitationMarkers.Find(answer).Select(m => m.Number));
    }
}
