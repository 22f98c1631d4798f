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
            new(1, "Weather", "It rained all week in the valley."),
            new(2, "Handbook", "The help desk is on the third floor. Soup is served daily. The canteen opens at noon every weekday."),
        ]);

        Assert.Contains("The help desk is on the third floor. [2]", answer);
        Assert.Contains("The canteen opens at noon every weekday. [2]", answer);
        Assert.DoesNotContain("Soup", answer);
        Assert.DoesNotContain("[1]", answer);
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
    public async Task ManPageSynopsesAndPlainTextHeadingsAreNotQuoted()
    {
        var answer = await AnswerAsync("Can tar delete members from a compressed archive?",
        [
            new(1, "tar.1", """
                SYNOPSIS
                       tar --delete [--file ARCHIVE] [OPTIONS] [MEMBER...]

                   Overwrite control
                       The --delete option removes members from an archive. It does not operate on compressed
                       archives, nor on tapes.
                """),
        ]);

        var quoted = Quoted(answer);
        Assert.StartsWith("The --delete option removes members from an archive. [1]", quoted);
        Assert.DoesNotContain("[--file", quoted);
        Assert.DoesNotContain("Overwrite control", quoted);
        Assert.DoesNotContain("SYNOPSIS", quoted);
    }

    [Fact]
    public async Task FurtherSentencesComeOnlyFromTheBestSentencesPassage()
    {
        var answer = await AnswerAsync("How often is the air filter replaced and cleaned?",
        [
            new(1, "Heat pump", "Replace the air filter every spring. Clean the air filter once a month in summer."),
            new(2, "Car manual", "The cabin air filter of the car is replaced at every service."),
        ]);

        Assert.Contains("[1]", answer);
        Assert.DoesNotContain("[2]", answer);
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
