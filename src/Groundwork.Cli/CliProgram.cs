using System.CommandLine;

namespace Groundwork.Cli;

/// <summary>The <c>groundwork</c> command: a named class (not top-level statements) so tests can run it in-process.</summary>
public static class CliProgram
{
    public static Task<int> Main(string[] args) => RunAsync(args);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("groundwork: ingest documents into, ask and manage a Groundwork service.");
        return await root.Parse(args).InvokeAsync();
    }
}
