using Bunit;
using Groundwork.Client;
using Groundwork.WebConsole;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Groundwork.Tests.WebConsole;

/// <summary>
/// A bUnit context for the console's components, wired to a real service (<see cref="GroundworkApp"/>, in-memory HTTP):
/// the components' API calls go through the real endpoints with the signed-in key. Browser storage is bUnit's loose
/// JS interop (nothing stored survives), which is all the components need outside a browser.
/// </summary>
public sealed class ConsoleComponentHost : IAsyncDisposable
{
    private ConsoleComponentHost(BunitContext context, ConsoleSession session)
    {
        Context = context;
        Session = session;
    }

    public BunitContext Context { get; }

    public ConsoleSession Session { get; }

    /// <summary>A context signed in with <paramref name="key"/> against <paramref name="app"/>.</summary>
    public static async Task<ConsoleComponentHost> SignedInAsync(GroundworkApp app, string key)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddFluentUIComponents();
        context.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        context.Services.AddScoped<ProtectedLocalStorage>();
        var server = app.Server;
        context.Services.AddHttpClient(WebConsoleRegistration.HttpClientName, http => http.BaseAddress = new Uri("http://localhost/"))
            .ConfigurePrimaryHttpMessageHandler(() => server.CreateHandler());
        context.Services.AddScoped<ConsoleSession>();
        var session = context.Services.GetRequiredService<ConsoleSession>();
        await session.SignInAsync(key);
        return new ConsoleComponentHost(context, session);
    }

    public GroundworkClient Api => Session.Api;

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
