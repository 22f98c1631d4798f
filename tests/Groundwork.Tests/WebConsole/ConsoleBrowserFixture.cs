using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Groundwork.Tests.WebConsole;

/// <summary>
/// The service on a loopback port and one headless Debian Chromium driven by Playwright (no browser download:
/// <see cref="ChromiumPath"/>), shared by the end-to-end tests of the console; each test opens its own browser context,
/// so sign-ins do not leak between tests.
/// </summary>
public sealed class ConsoleBrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's browser binary (the /usr/bin/chromium wrapper script execs it); GROUNDWORK_CHROMIUM overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("GROUNDWORK_CHROMIUM") is { Length: > 0 } path
        ? path
        : File.Exists("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium";

    /// <summary>The screen the console is made for (and the README's screenshots are taken at).</summary>
    public static readonly ViewportSize Laptop = new() { Width = 1366, Height = 768 };

    private IPlaywright? _playwright;

    /// <summary>Small chunks, so that each page of a short test PDF is its own passage.</summary>
    public GroundworkApp App { get; } = new(new Dictionary<string, string?> { ["Chunking:MaxTokens"] = "48", ["Chunking:OverlapTokens"] = "0" });

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No Chromium at {ChromiumPath}: apt-get install chromium (.ci/run does), or set GROUNDWORK_CHROMIUM.");
        }

        // Playwright's expectations poll until they hold; 5 s (its default) is too little for a first search or answer
        // on a loaded 2-core CI machine. An upper bound, not a wait: a passing expectation returns at once.
        Assertions.SetDefaultExpectTimeout(30_000);
        App.UseKestrel(0);
        App.StartServer();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // CI runs as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser page at 1366×768 on the console.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Laptop, BaseURL = BaseUrl + "/" });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens the console and signs in with <paramref name="key"/>; returns once the signed-in layout shows.</summary>
    public async Task<IPage> SignedInPageAsync(string key, string path = "/")
    {
        var page = await NewPageAsync();
        await page.GotoAsync(path);
        await page.Locator("#api-key").Locator("input").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("identity")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Saves a screenshot of the page into docs/images (the README shows them).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryPaths.Root, "docs", "images");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png") });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}
