using Groundwork.Tests.Documents;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Tests.WebConsole;

/// <summary>
/// What a person does with the console, in Debian's Chromium: upload a PDF and a Markdown file, wait for them to be
/// ready, ask, follow a citation to its highlighted passage on the right page; and what another tenant does not see.
/// Takes the README's screenshots (docs/images/console-*.png) on the way.
/// </summary>
public sealed class ConsoleJourneyTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    private const string HeliumSentence = "The Zorblax reactor is cooled by liquid helium kept at four kelvin.";

    private static readonly byte[] ReactorPdf = TestDocuments.BuildPdf("Zorblax reactor manual",
        "Welcome to the reactor manual. Staff complete safety training before their first shift in the control room.",
        HeliumSentence + " The helium loop is inspected every week by the cryogenics team.");

    private const string RunbookMarkdown = """
        # Orion runbook

        ## Paging
        The on-call engineer of the Orion platform is paged through the Quasar pager and answers within ten minutes.
        """;

    [Fact]
    public async Task UploadAskAndFollowACitationToTheHighlightedPassageOnItsPage()
    {
        var editor = await fixture.App.CreateTenantClientAsync("editor");
        var page = await fixture.SignedInPageAsync(editor.Key, "/console/documents");

        await page.GetByTestId("upload-input").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "reactor.pdf", MimeType = "application/pdf", Buffer = ReactorPdf },
            new FilePayload { Name = "runbook.md", MimeType = "text/markdown", Buffer = System.Text.Encoding.UTF8.GetBytes(RunbookMarkdown) },
        });
        await Expect(page.Locator("[data-testid=upload-row][data-status=ready]")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("document-row")).ToHaveCountAsync(2);
        await ConsoleBrowserFixture.ScreenshotAsync(page, "console-documents");

        await page.GetByRole(AriaRole.Link, new() { Name = "Ask" }).ClickAsync();
        await page.GetByTestId("question").Locator("textarea").FillAsync("What is the Zorblax reactor cooled by?");
        await page.GetByTestId("ask").ClickAsync();
        await Expect(page.GetByTestId("answer")).ToContainTextAsync("helium");
        var citation = page.Locator("[data-testid^=citation-]").First;
        await Expect(citation).ToBeVisibleAsync();
        await ConsoleBrowserFixture.ScreenshotAsync(page, "console-ask");

        await citation.ClickAsync();
        await Expect(page.GetByTestId("highlight")).ToContainTextAsync(HeliumSentence);
        await Expect(page.GetByTestId("passage-page")).ToContainTextAsync("Page 2");
        await ConsoleBrowserFixture.ScreenshotAsync(page, "console-passage");
    }

    [Fact]
    public async Task AnotherTenantsKeySeesNoneOfTheseDocuments()
    {
        var editor = await fixture.App.CreateTenantClientAsync("editor");
        using (var form = TestDocuments.Form([(System.Text.Encoding.UTF8.GetBytes(RunbookMarkdown), "runbook.md", "text/markdown")]))
        {
            var uploaded = await editor.Http.PostAsync("/documents?wait=true", form, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Created, uploaded.StatusCode);
        }

        // The same search finds it in its own tenant (so an empty answer below means isolation, not a broken page).
        var own = await fixture.SignedInPageAsync(editor.Key, "/console/search");
        await SearchAsync(own, "Quasar pager on-call engineer");
        await Expect(own.GetByTestId("search-result").First).ToContainTextAsync("Orion runbook");
        await ConsoleBrowserFixture.ScreenshotAsync(own, "console-search");

        var other = await fixture.App.CreateTenantClientAsync("admin");
        var page = await fixture.SignedInPageAsync(other.Key, "/console/documents");
        await Expect(page.GetByTestId("no-documents")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("document-row")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Search" }).ClickAsync();
        await SearchAsync(page, "Quasar pager on-call engineer");
        await Expect(page.GetByTestId("search-status")).ToContainTextAsync("No results");
        await Expect(page.GetByTestId("search-result")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Ask" }).ClickAsync();
        await page.GetByTestId("question").Locator("textarea").FillAsync("Who is paged through the Quasar pager?");
        await page.GetByTestId("ask").ClickAsync();
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid^=source-]")).ToHaveCountAsync(0);
    }

    private static async Task SearchAsync(IPage page, string query)
    {
        await page.GetByTestId("search-query").Locator("input").FillAsync(query);
        await page.GetByTestId("search-run").ClickAsync();
        await Expect(page.GetByTestId("search-status")).ToBeVisibleAsync();
    }
}
