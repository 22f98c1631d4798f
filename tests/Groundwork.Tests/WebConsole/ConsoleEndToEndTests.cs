using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Tests.WebConsole;

/// <summary>The console in a real browser (Debian's Chromium through Playwright), against the real service.</summary>
public sealed class ConsoleEndToEndTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    [Fact]
    public async Task SignInWithAKeyShowsWhoYouAre()
    {
        var admin = await fixture.App.CreateTenantClientAsync("admin");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page.Locator("#api-key")).ToBeVisibleAsync();
        await ConsoleBrowserFixture.ScreenshotAsync(page, "console-sign-in");

        await page.Locator("#api-key").Locator("input").FillAsync(admin.Key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByTestId("identity")).ToContainTextAsync("admin");
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(page.GetByTestId("user-row")).ToContainTextAsync(["admin"]);
        await ConsoleBrowserFixture.ScreenshotAsync(page, "console-admin");
    }

    [Fact]
    public async Task ARefusedKeyIsSaidSoAndNothingElseShows()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/console/documents");

        await page.Locator("#api-key").Locator("input").FillAsync("gw_unknown");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("refused this key");
        await Expect(page.GetByTestId("identity")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AReaderKeySeesNoAdminPages()
    {
        var reader = await fixture.App.CreateTenantClientAsync("reader");
        var page = await fixture.SignedInPageAsync(reader.Key);

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Ask" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Admin" })).ToHaveCountAsync(0);

        await page.GotoAsync("/console/admin");
        await Expect(page.GetByTestId("admin-denied")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("users-table")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TheSignInSurvivesAReload()
    {
        var reader = await fixture.App.CreateTenantClientAsync("reader");
        var page = await fixture.SignedInPageAsync(reader.Key);

        await page.ReloadAsync();

        await Expect(page.GetByTestId("identity")).ToBeVisibleAsync();
    }
}
