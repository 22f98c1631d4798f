using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Groundwork.Client;
using Groundwork.Tests.Documents;
using Groundwork.WebConsole.Components.Pages;
using Groundwork.WebConsole.Components.Shared;

namespace Groundwork.Tests.WebConsole;

/// <summary>
/// The Ask page against the real service with the built-in <c>local</c> model: the answer streams in with citation
/// links, a citation opens its passage highlighted in the document, an unanswerable question says so, and the model
/// picker offers only the models that can answer.
/// </summary>
public sealed class AskPageTests : IAsyncLifetime
{
    private const string Reactor = "The Zorblax reactor is cooled by liquid helium pumped through titanium pipes. Its core runs at four kelvin.";

    private readonly GroundworkApp _app = new();

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static IRenderedComponent<Ask> AskQuestion(ConsoleComponentHost host, string question)
    {
        var page = host.Context.Render<Ask>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=model] fluent-option")));
        page.Find("[data-testid=question]").Change(question);
        page.Find("[data-testid=ask]").Click();
        return page;
    }

    [Fact]
    public async Task TheAnswerStreamsInWithCitationLinksAndSources()
    {
        await _app.AddDocumentAsync("Reactor manual", Reactor);
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);

        var page = AskQuestion(host, "What is the Zorblax reactor cooled by?");

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=citation-1]")), TimeSpan.FromSeconds(30));
        Assert.Contains("helium", page.Find("[data-testid=answer]").TextContent);
        Assert.Equal("[1]", page.FindAll("[data-testid=citation-1]")[0].TextContent);
        var source = page.Find("[data-testid=source-1]");
        Assert.Contains("Reactor manual", source.TextContent);
        Assert.Matches(@"\d+% relevant", source.TextContent);
        Assert.Empty(page.FindAll("[data-testid=not-found]"));
        Assert.Empty(page.FindAll("[role=alert]"));
    }

    [Fact]
    public async Task ACitationOpensItsPassageHighlightedInTheDocument()
    {
        await _app.AddDocumentAsync("Reactor manual", Reactor);
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);
        var chunk = (await host.Api.SearchAsync(new SearchRequest("Zorblax reactor cooled", 1), Ct)).Results[0];

        var page = AskQuestion(host, "What is the Zorblax reactor cooled by?");
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=citation-1]")), TimeSpan.FromSeconds(30));
        page.FindAll("[data-testid=citation-1]")[0].Click();

        page.WaitForAssertion(() => Assert.Equal(chunk.Text, page.Find("[data-testid=passage] [data-testid=highlight]").TextContent));
        Assert.Equal("mark", page.Find("[data-testid=highlight]").TagName, ignoreCase: true);
        Assert.Contains("Reactor manual", page.Find("[data-testid=passage]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=passage-page]"));

        page.Find("[data-testid=passage] fluent-button").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=passage]")));
    }

    [Fact]
    public async Task AQuestionTheDocumentsDoNotAnswerIsShownAsNotFound()
    {
        await using var strict = new GroundworkApp(new Dictionary<string, string?> { ["Search:MinRelevance"] = "0.99" });
        await strict.AddDocumentAsync("Reactor manual", Reactor);
        await using var host = await ConsoleComponentHost.SignedInAsync(strict, strict.OperatorKey);

        var page = AskQuestion(host, "Who won the 1998 chess olympiad?");

        page.WaitForAssertion(() => Assert.Contains("Not found in your documents", page.Find("[data-testid=not-found]").TextContent), TimeSpan.FromSeconds(30));
        Assert.Empty(page.FindAll("[data-testid^=citation-]"));
        Assert.Empty(page.FindAll("[data-testid^=source-]"));
    }

    [Fact]
    public async Task ThePickerOffersOnlyModelsThatCanAnswerWithLocalDescribed()
    {
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);

        var page = host.Context.Render<Ask>();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=model] fluent-option")));
        var option = Assert.Single(page.FindAll("[data-testid=model] fluent-option"));
        Assert.Equal("local", option.GetAttribute("value"));
        Assert.Contains("extractive, quotes passages (not an LLM)", option.TextContent);
        Assert.Contains("gpt-4", page.Find(".ask-note").TextContent);
    }

    [Fact]
    public async Task WithAKeyForOpenAiThePickerOffersItsModelFirstButNotClaude()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "test-openai-key" });
        await using var host = await ConsoleComponentHost.SignedInAsync(app, app.OperatorKey);

        var page = host.Context.Render<Ask>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=model] fluent-option").Count));
        Assert.Equal(["gpt-4", "local"], page.FindAll("[data-testid=model] fluent-option").Select(o => o.GetAttribute("value")).Order(StringComparer.Ordinal));
        Assert.Empty(page.FindAll(".ask-note"));
    }

    [Fact]
    public async Task AnUpstreamFailureIsShownAsTheServicesProblem()
    {
        // gpt-4 has a key, so it is offered (and is the default), but its upstream refuses connections.
        await using var app = new GroundworkApp(new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "test-openai-key", ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1", ["Providers:MaxRetries"] = "0",
        });
        await app.AddDocumentAsync("Reactor manual", Reactor);
        await using var host = await ConsoleComponentHost.SignedInAsync(app, app.OperatorKey);

        var page = AskQuestion(host, "What is the Zorblax reactor cooled by?");

        page.WaitForAssertion(() => Assert.NotEmpty(page.Find(".console-problem[role=alert]").TextContent), TimeSpan.FromSeconds(60));
        Assert.Empty(page.FindAll("[data-testid^=citation-]"));
        Assert.NotEmpty(page.FindAll("[data-testid=ask]"));
    }

    [Fact]
    public async Task APdfPassageShowsOnlyItsPageLabelledPageNOfM()
    {
        using var client = _app.CreateClient();
        var pdf = TestDocuments.BuildPdf("Plant log", "The boiler was checked by the night shift.", "The turbine was inspected at dawn by Ada.");
        var upload = await client.PostAsync("/documents?wait=true", TestDocuments.Form([(pdf, "log.pdf", "application/pdf")]), Ct);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("documents")[0].GetProperty("id").GetInt64();
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);
        var document = await host.Api.GetDocumentAsync(id, Ct);
        var second = document.Pages![1];
        var start = document.Text!.IndexOf("turbine", second.Start, StringComparison.Ordinal);

        var viewer = host.Context.Render<PassageViewer>(p => p.Add(v => v.Target, new PassageTarget(id, "Plant log", start, start + "turbine".Length, 0.5)));

        viewer.WaitForAssertion(() => Assert.Equal("Page 2 of 2", viewer.Find("[data-testid=passage-page]").TextContent));
        Assert.Equal("turbine", viewer.Find("[data-testid=highlight]").TextContent);
        Assert.DoesNotContain("boiler", viewer.Find(".passage-text").TextContent);
        Assert.Contains("50%", viewer.Find("[data-testid=passage]").TextContent);

        // Through the page: the source of an answer from the PDF opens on its page.
        var page = AskQuestion(host, "When was the turbine inspected?");
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=source-1]")), TimeSpan.FromSeconds(30));
        page.Find("[data-testid=source-1]").Click();
        page.WaitForAssertion(() => Assert.Matches(@"^Pages? \d(–\d)? of 2$", page.Find("[data-testid=passage-page]").TextContent));
    }
}
