using Bunit;
using Groundwork.WebConsole.Components.Pages;

namespace Groundwork.Tests.WebConsole;

/// <summary>The Search page against the real service: ranked results, a result opened in its document, and filters.</summary>
public sealed class SearchPageTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<IRenderedComponent<Search>> RenderAsync()
    {
        await _app.AddDocumentAsync("Reactor manual", "The Zorblax reactor is cooled by liquid helium pumped through titanium pipes.");
        await _app.AddDocumentAsync("Garden notes", "Tomatoes need full sun and regular watering in July.");
        var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);
        return host.Context.Render<Search>();
    }

    [Fact]
    public async Task ResultsAreRankedWithTheirScoresAndOpenInTheirDocument()
    {
        var page = await RenderAsync();

        page.Find("[data-testid=search-query]").Change("How is the reactor cooled?");
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=search-result]").Count));
        var first = page.FindAll("[data-testid=search-result]")[0];
        Assert.StartsWith("1", first.TextContent.Trim());
        Assert.Contains("Reactor manual", first.TextContent);
        Assert.Contains("liquid helium", first.TextContent);
        Assert.Matches(@"\d+%", first.TextContent);

        first.QuerySelector("button")!.Click();

        page.WaitForAssertion(() => Assert.Equal(
            "The Zorblax reactor is cooled by liquid helium pumped through titanium pipes.", page.Find("[data-testid=highlight]").TextContent));
    }

    [Fact]
    public async Task TopKAndAFilterAreSent()
    {
        var page = await RenderAsync();

        page.Find("[data-testid=search-query]").Change("reactor");
        page.Find("[data-testid=search-filter]").Change("""{"title": "Garden notes"}""");
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Contains("Garden notes", Assert.Single(page.FindAll("[data-testid=search-result]")).TextContent));
    }

    [Fact]
    public async Task AFilterThatIsNotJsonIsShownAndNothingIsSent()
    {
        var page = await RenderAsync();

        page.Find("[data-testid=search-query]").Change("reactor");
        page.Find("[data-testid=search-filter]").Change("{\"tags\": [");
        await page.Find("form").SubmitAsync();

        Assert.Contains("not valid JSON", page.Find("[data-testid=search-filter-error]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=search-result]"));
        Assert.Empty(page.FindAll("[role=status]"));
    }

    [Fact]
    public async Task AFilterTheServiceRefusesIsShownAsItsProblem()
    {
        var page = await RenderAsync();

        page.Find("[data-testid=search-query]").Change("reactor");
        page.Find("[data-testid=search-filter]").Change("""{"$nonsense": 1}""");
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Contains("filter", page.Find(".console-problem").TextContent));
    }
}
