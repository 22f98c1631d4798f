using Groundwork.Cli;
using Groundwork.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Groundwork.Tests.Cli;

/// <summary>The real service on a loopback port, for the <c>groundwork</c> tool to talk to over real HTTP.</summary>
public sealed class CliServiceFixture : IAsyncLifetime
{
    public GroundworkApp App { get; private set; } = null!;

    public string Url { get; private set; } = "";

    public ValueTask InitializeAsync()
    {
        App = new GroundworkApp();
        App.UseKestrel(0);
        App.StartServer();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)
            .Replace("//localhost", "//127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return ValueTask.CompletedTask;
    }

    /// <summary>The API as <paramref name="key"/> sees it, to check what the tool did.</summary>
    public GroundworkClient Api(string key) => new(new HttpClient { BaseAddress = new Uri(Url + "/") }, key);

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

/// <summary>One run of the tool: its exit code and what it wrote to the console (tables), stdout and stderr.</summary>
public sealed record CliRun(int ExitCode, string Console, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- console\n{Console}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

public static class CliRunner
{
    /// <summary>Runs <c>groundwork</c> in-process with only <paramref name="environment"/> as its environment.</summary>
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var console = new StringWriter();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        ansi.Profile.Width = 400;
        var exit = await CliProgram.RunAsync(args, ansi, stdout, stderr, environment: environment, cancellationToken: TestContext.Current.CancellationToken);
        return new CliRun(exit, console.ToString(), stdout.ToString(), stderr.ToString());
    }

    /// <summary>An environment with a config file path of its own (not yet written), so no machine's login is read.</summary>
    public static Dictionary<string, string?> IsolatedEnvironment(string folder) => new()
    {
        ["GROUNDWORK_CONFIG"] = Path.Combine(folder, "config", "groundwork.json"),
    };
}
