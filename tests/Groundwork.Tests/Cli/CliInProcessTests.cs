using System.Text.Json;
using Groundwork.Cli;
using Spectre.Console;

namespace Groundwork.Tests.Cli;

/// <summary>The tool through an in-memory handler (<c>app.Server.CreateHandler()</c>) instead of a port.</summary>
public sealed class CliInProcessTests
{
    [Fact]
    public async Task The_tool_runs_against_an_in_memory_service_through_a_handler()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new GroundworkApp();
        using var editor = await app.CreateTenantClientAsync("editor");
        var folder = Path.Combine(Path.GetTempPath(), "groundwork-cli-tests", Guid.NewGuid().ToString("N"), "notes");
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "tea.md"), "# Tea\n\nGreen tea is steeped at 80 degrees for two minutes.", ct);
            var environment = new Dictionary<string, string?>
            {
                ["GROUNDWORK_CONFIG"] = Path.Combine(folder, "..", "config.json"),
                ["GROUNDWORK_URL"] = "http://localhost",
                ["GROUNDWORK_API_KEY"] = editor.Key,
            };
            using var handler = app.Server.CreateHandler();

            async Task<(int Exit, string Console, string Stdout, string Stderr)> Run(params string[] args)
            {
                var console = new StringWriter();
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                var ansi = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(console), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
                });
                ansi.Profile.Width = 300;
                var exit = await CliProgram.RunAsync(args, ansi, stdout, stderr, handler, environment, ct);
                return (exit, console.ToString(), stdout.ToString(), stderr.ToString());
            }

            var ingest = await Run("ingest", folder);
            Assert.True(ingest.Exit == 0, ingest.ToString());
            Assert.Contains("Uploaded 1, skipped unchanged 0, ready 1, failed 0.", ingest.Console);

            var ask = await Run("ask", "How hot is the water for green tea?", "--model", "local", "--json");
            Assert.True(ask.Exit == 0, ask.ToString());
            var answer = JsonDocument.Parse(ask.Stdout).RootElement;
            Assert.Equal("Tea", answer.GetProperty("sources")[0].GetProperty("title").GetString());

            var list = await Run("docs", "list", "--json");
            var item = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items")[0];
            Assert.Equal("notes/tea.md", item.GetProperty("external_id").GetString());
            Assert.Equal(64, item.GetProperty("file_hash").GetString()!.Length);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }
}
