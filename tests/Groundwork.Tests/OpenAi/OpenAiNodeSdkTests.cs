using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Groundwork.Embeddings;
using Groundwork.FakeUpstream;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.OpenAi;

/// <summary>
/// The official <c>openai</c> npm package (tests/openai-node) against the real service on a loopback TCP port: Node runs
/// its tests once for the class, and each Node test is one case here, failing with that test's own output.
/// </summary>
public sealed partial class OpenAiNodeSdkTests(OpenAiNodeSdkFixture fixture) : IClassFixture<OpenAiNodeSdkFixture>
{
    /// <summary>Every <c>test('…')</c> in the Node project's test files, read from their source.</summary>
    public static TheoryData<string> NodeTests()
    {
        var data = new TheoryData<string>();
        foreach (var name in OpenAiNodeProject.TestNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NodeTests))]
    public void NodeTestPasses(string name)
    {
        var run = fixture.Run;
        if (!run.Results.TryGetValue(name, out var result))
        {
            Assert.Fail($"node --test did not report \"{name}\" (exit code {run.ExitCode}).\n{run.Output}");
        }

        Assert.True(result.Passed, $"{name}:\n{result.Failure}");
    }

    [Fact]
    public void NodeRunReportsOnlyTheListedTestsAndFailsNoFile()
    {
        var run = fixture.Run;
        var listed = OpenAiNodeProject.TestNames().ToHashSet();
        // A test file that fails to load is reported under its path, not under any test's name.
        var unlisted = run.Results.Keys.Where(name => !listed.Contains(name)).ToList();
        Assert.True(unlisted.Count == 0, $"node --test reported {string.Join(", ", unlisted)}:\n{run.Output}");
        var failed = run.Results.Values.Any(r => !r.Passed);
        Assert.True(failed == (run.ExitCode != 0), $"node exited with {run.ExitCode}:\n{run.Output}");
    }

    [Fact]
    public void NodeTestNamesAreUnique()
    {
        var names = OpenAiNodeProject.TestNames();
        var repeated = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(repeated.Count == 0, $"Repeated Node test names: {string.Join(", ", repeated)}");
        Assert.NotEmpty(names);
    }
}

/// <summary>tests/openai-node: where it is, what tests it has, and running them.</summary>
public static partial class OpenAiNodeProject
{
    /// <summary>A safety net only: the whole Node run takes seconds.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    public static string Directory { get; } = Path.Combine(RepositoryPaths.Root, "tests", "openai-node");

    public static IReadOnlyList<string> TestNames() =>
        System.IO.Directory.GetFiles(Directory, "*.test.mjs").Order(StringComparer.Ordinal)
            .SelectMany(file => TestCall().Matches(File.ReadAllText(file)).Select(m => Regex.Unescape(m.Groups["name"].Value)))
            .ToList();

    [GeneratedRegex(@"^test\(\s*'(?<name>(?:[^'\\]|\\.)*)'", RegexOptions.Multiline)]
    private static partial Regex TestCall();

    /// <summary>Fails with what to do when the packages are not installed, rather than letting Node fail on an import.</summary>
    public static void EnsureInstalled()
    {
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "package.json")));
        var pinned = package.RootElement.GetProperty("dependencies").GetProperty("openai").GetString();
        var installedFile = Path.Combine(Directory, "node_modules", "openai", "package.json");
        if (!File.Exists(installedFile))
        {
            throw new InvalidOperationException(
                $"The openai npm package is not installed: run `npm ci` in {Directory} (.ci/run does it before the tests).");
        }

        using var installed = JsonDocument.Parse(File.ReadAllText(installedFile));
        var version = installed.RootElement.GetProperty("version").GetString();
        if (version != pinned)
        {
            throw new InvalidOperationException(
                $"node_modules has openai {version}, package.json pins {pinned}: run `npm ci` in {Directory}.");
        }
    }

    public static async Task<NodeRun> RunAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        EnsureInstalled();
        var resultsDirectory = System.IO.Directory.CreateTempSubdirectory("groundwork-openai-node-").FullName;
        try
        {
            var junit = Path.Combine(resultsDirectory, "results.xml");
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = Directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[]
                     {
                         "--test", "--test-reporter=junit", $"--test-reporter-destination={junit}",
                         "--test-reporter=spec", "--test-reporter-destination=stdout",
                     })
            {
                start.ArgumentList.Add(argument);
            }

            // The SDK reads these when a client leaves them out; the machine's must not change what the tests reach.
            foreach (var variable in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_LOG" })
            {
                start.Environment.Remove(variable);
            }

            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("Could not start `node` (Node 20 or later must be on PATH).", e);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RunTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                lock (output)
                {
                    throw new TimeoutException($"node --test did not finish within {RunTimeout}:\n{output}");
                }
            }

            process.WaitForExit(); // drains the redirected output
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            if (!File.Exists(junit))
            {
                throw new InvalidOperationException($"node --test (exit code {process.ExitCode}) wrote no JUnit results:\n{text}");
            }

            return new NodeRun(process.ExitCode, text, ParseJUnit(XDocument.Load(junit)));
        }
        finally
        {
            System.IO.Directory.Delete(resultsDirectory, recursive: true);
        }
    }

    private static Dictionary<string, NodeTestResult> ParseJUnit(XDocument results)
    {
        var byName = new Dictionary<string, NodeTestResult>(StringComparer.Ordinal);
        foreach (var testCase in results.Descendants("testcase"))
        {
            var name = (string?)testCase.Attribute("name") ?? string.Empty;
            var failure = testCase.Element("failure");
            var skipped = testCase.Element("skipped");
            byName[name] = failure is null && skipped is null
                ? new NodeTestResult(true, null)
                : new NodeTestResult(false, skipped is not null
                    ? $"skipped: {(string?)skipped.Attribute("message")}"
                    : $"{(string?)failure!.Attribute("message")}\n{failure.Value.Trim()}");
        }

        return byName;
    }
}

public sealed record NodeRun(int ExitCode, string Output, IReadOnlyDictionary<string, NodeTestResult> Results);

public sealed record NodeTestResult(bool Passed, string? Failure);

/// <summary>
/// The service on a loopback port with gpt-4 on a fake upstream that always gives <see cref="Reply"/>, the built-in
/// <c>local</c> model, one tenant with a document, a reader key of it, a reader key of it over its token budget and a
/// key of another tenant; then one run of the Node tests against it.
/// </summary>
public sealed class OpenAiNodeSdkFixture : IAsyncLifetime
{
    public const string Reply = "New employees get their laptop from the Orion help desk on the third floor [1].";
    public const string ChatModel = "gpt-4";

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;
    private NodeRun? _run;

    public NodeRun Run => _run ?? throw new InvalidOperationException("The Node tests have not run.");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        // Before anything starts: a missing npm ci is the whole class's one clear failure.
        OpenAiNodeProject.EnsureInstalled();
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Reply = Reply }, ct);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        // Another tenant's questions find no passage and still get an answer.
        settings["Generation:WhenNothingRelevant"] = "ask_model";
        _app = new GroundworkApp(settings);
        _app.UseKestrel(0);
        _app.StartServer();
        var serviceUrl = ServiceUrl(_app);

        using var editor = await _app.CreateTenantClientAsync("editor");
        var added = await editor.Http.PostAsJsonAsync("/documents?wait=true", new
        {
            title = "Employee handbook",
            text = "New employees receive their laptop from the Orion help desk on the first morning. " +
                "The help desk is on the third floor next to the library.",
        }, GroundworkApp.Json, ct);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var documentId = (await added.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, ct)).GetProperty("id").GetInt64();

        using var reader = await _app.CreateTenantClientAsync("reader", editor.TenantId);
        using var exhausted = await _app.CreateTenantClientAsync("reader", editor.TenantId);
        using var stranger = await _app.CreateTenantClientAsync("reader");
        using (var operatorClient = _app.CreateClient())
        {
            var budget = await operatorClient.PatchAsJsonAsync(
                $"/users/{exhausted.UserId}", new { budget = new { tokens = 1, period = "day" } }, GroundworkApp.Json, ct);
            Assert.Equal(HttpStatusCode.OK, budget.StatusCode);
        }

        _run = await OpenAiNodeProject.RunAsync(new Dictionary<string, string>
        {
            ["GROUNDWORK_URL"] = serviceUrl,
            ["GROUNDWORK_API_KEY"] = reader.Key,
            ["GROUNDWORK_OTHER_TENANT_API_KEY"] = stranger.Key,
            ["GROUNDWORK_EXHAUSTED_API_KEY"] = exhausted.Key,
            ["GROUNDWORK_CHAT_MODEL"] = ChatModel,
            ["GROUNDWORK_CHAT_MODELS"] = "gpt-4,claude-3,local",
            ["GROUNDWORK_REPLY"] = Reply,
            ["GROUNDWORK_DOCUMENT_ID"] = documentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GROUNDWORK_QUESTION"] = "Where do new employees get their laptop?",
            ["GROUNDWORK_EMBEDDING_MODEL"] = LocalMiniLmEmbeddingGenerator.ModelId,
            ["GROUNDWORK_EMBEDDING_DIMENSIONS"] = "384",
        }, ct);
    }

    /// <summary>The address Kestrel listens on, e.g. http://127.0.0.1:43121.</summary>
    private static string ServiceUrl(GroundworkApp app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = addresses.First();
        return address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)
            .Replace("//localhost", "//127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }
}
