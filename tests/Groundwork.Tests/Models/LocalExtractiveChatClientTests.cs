using Groundwork.Embeddings;
using Groundwork.Generation;
using Groundwork.Models;

namespace Groundwork.Tests.Models;

/// <summary>The local answerer with the real MiniLM model scoring its sentences.</summary>
public sealed class LocalExtractiveChatClientTests
{
    private static readonly LocalMiniLmEmbeddingGenerator Embedder = new();

    private static async Task<string> AnswerAsync(string question, Passage[] passages, int? maxTokens = null)
    {
        using var client = new LocalExtractiveChatClient(Embedder);
        var response = await client.GetResponseAsync(GroundedPrompt.Build(question, passages),
            new Microsoft.Extensions.AI.ChatOptions { MaxOutputTokens = maxTokens }, TestContext.Current.CancellationToken);
        return response.Text;
    }

    private static string Quoted(string answer) => answer[..answer.IndexOf("\n\n", StringComparison.Ordinal)];

    [Fact]
    public async Task ItQuotesTheAnsweringSentenceFirstAndNothingFromAnUnrelatedPassage()
    {
        var answer = await AnswerAsync("How many weeks of parental leave do employees get?",
        [
            new(1, "Handbook", "Our offices open at eight. Employees get sixteen weeks of paid parental leave. Holidays are listed on the intranet."),
            new(2, "Heat pump manual", "Check the outdoor coil for leaves and dirt twice a year. Replace the filter every spring."),
        ]);

        Assert.StartsWith("Employees get sixteen weeks of paid parental leave. [1]", answer);
        Assert.DoesNotContain("[2]", Quoted(answer));
        Assert.DoesNotContain("coil", answer);
        Assert.EndsWith(LocalExtractiveChatClient.Disclosure, answer);
    }

    [Fact]
    public async Task EachQuotedSentenceEndsWithTheNumberOfItsPassage()
    {
        var answer = await AnswerAsync("Where is the help desk and when does the canteen open?",
        [
            new(1, "Canteen", "The canteen opens at noon every weekday. Soup is served daily."),
            new(2, "Handbook", "The help desk is on the third floor. Laptops are handed out there."),
        ]);

        Assert.Contains("The canteen opens at noon every weekday. [1]", answer);
        Assert.Contains("The help desk is on the third floor. [2]", answer);
        Assert.DoesNotContain("Soup", answer);
    }

    [Fact]
    public async Task QuotedTextIsCleanProse()
    {
        var answer = await AnswerAsync("What are the control rods made of and how often are they inspected?",
        [
            new(1, "Reactor", """
                # Reactor manual
                ## Control rods
                1. Overview
                - The **control rods** are made of
                  hafnium and sit in the
                  upper grid.
                * Inspectors check the `control rods` once a year, see [the schedule](https://example.com/s).
                | Rod | Material |
                """),
        ]);

        var quoted = Quoted(answer);
        Assert.Contains("The control rods are made of hafnium and sit in the upper grid. [1]", quoted);
        Assert.DoesNotContain("#", quoted);
        Assert.DoesNotContain("Overview", quoted);
        Assert.DoesNotContain("**", quoted);
        Assert.DoesNotContain("`", quoted);
        Assert.DoesNotContain("|", quoted);
        Assert.DoesNotContain("\n", quoted);
        Assert.DoesNotContain("- ", quoted);
        Assert.DoesNotContain("https://", quoted);
    }

    [Fact]
    public async Task WithNoPassagesItSaysTheDocumentsDoNotAnswer()
    {
        var answer = await AnswerAsync("What is the capital of Australia?", []);

        Assert.StartsWith(LocalExtractiveChatClient.NothingRelevantAnswer, answer);
        Assert.Empty(CitationMarkers.Find(answer));
        Assert.EndsWith(LocalExtractiveChatClient.Disclosure, answer);
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
