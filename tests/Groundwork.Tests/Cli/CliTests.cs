using System.Security.Cryptography;
using System.Text.Json;
using Groundwork.Cli;
using Groundwork.Client;

namespace Groundwork.Tests.Cli;

/// <summary>The <c>groundwork</c> tool against the real service on a loopback port.</summary>
public sealed class CliTests(CliServiceFixture service) : IClassFixture<CliServiceFixture>, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "groundwork-cli-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private Task<CliRun> Run(params string[] args) => CliRunner.RunAsync(CliRunner.IsolatedEnvironment(_folder), args);

    private string Docs(string name)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task Ingesting_a_folder_again_uploads_only_what_changed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var editor = await service.App.CreateTenantClientAsync("editor");
        var api = service.Api(editor.Key);
        var docs = Docs("handbook");
        await File.WriteAllTextAsync(Path.Combine(docs, "laptops.md"), "# Laptops\n\nNew employees get their laptop from the Orion help desk.", ct);
        await File.WriteAllTextAsync(Path.Combine(docs, "parking.txt"), "Parking permits are issued by the front desk on the ground floor.", ct);
        Directory.CreateDirectory(Path.Combine(docs, "travel"));
        await File.WriteAllTextAsync(Path.Combine(docs, "travel", "trains.md"), "# Trains\n\nBook train tickets through the travel portal.", ct);
        await File.WriteAllTextAsync(Path.Combine(docs, "image.png"), "not a supported type", ct);

        var first = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key, "--tags", "handbook,2026");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("Uploaded 3, skipped unchanged 0, ready 3, failed 0.", first.Console);
        var afterFirst = await api.ListDocumentsAsync(cancellationToken: ct);
        Assert.Equal(3, afterFirst.Total);
        Assert.Equal(["handbook/laptops.md", "handbook/parking.txt", "handbook/travel/trains.md"],
            afterFirst.Items.Select(d => d.ExternalId).Order(StringComparer.Ordinal));
        Assert.All(afterFirst.Items, d => Assert.Equal("ready", d.Status));
        Assert.All(afterFirst.Items, d => Assert.Equal(["handbook", "2026"], d.Tags));
        var laptops = afterFirst.Items.Single(d => d.ExternalId == "handbook/laptops.md");
        Assert.Equal(Sha256(Path.Combine(docs, "laptops.md")), laptops.FileHash);

        var second = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Uploaded 0, skipped unchanged 3, ready 3, failed 0.", second.Console);
        Assert.Contains("skipped (unchanged)", second.Console);
        var afterSecond = await api.ListDocumentsAsync(cancellationToken: ct);
        Assert.Equal(afterFirst.Items.Select(d => d.Id).Order(), afterSecond.Items.Select(d => d.Id).Order());

        await File.WriteAllTextAsync(Path.Combine(docs, "laptops.md"), "# Laptops\n\nLaptops are now handed out by IT on the fifth floor.", ct);
        var third = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("Uploaded 1, skipped unchanged 2, ready 3, failed 0.", third.Console);
        var newHash = Sha256(Path.Combine(docs, "laptops.md"));
        var current = (await api.ListDocumentsAsync(new DocumentQuery { ExternalId = "handbook/laptops.md", Limit = 1 }, ct)).Items.Single();
        Assert.NotEqual(laptops.Id, current.Id);
        Assert.Equal(newHash, current.FileHash);
        Assert.Equal("ready", current.Status);
        var byHash = await api.ListDocumentsAsync(new DocumentQuery { FileHash = newHash }, ct);
        Assert.Equal([current.Id], byHash.Items.Select(d => d.Id));
        Assert.Equal(0, (await api.ListDocumentsAsync(new DocumentQuery { FileHash = laptops.FileHash }, ct)).Items.Count(d => d.Status == "ready"));
    }

    [Fact]
    public async Task A_document_kept_without_a_file_hash_gets_one_when_its_file_is_sent_again()
    {
        var ct = TestContext.Current.CancellationToken;
        using var editor = await service.App.CreateTenantClientAsync("editor");
        var api = service.Api(editor.Key);
        const string text = "Green tea is steeped at 80 degrees for two minutes.";
        // As a document from before file hashes were kept: same external id and text, no file hash.
        var kept = await api.CreateDocumentAsync(new CreateDocumentRequest("Tea", text, ExternalId: "pantry/tea.txt"), wait: true, ct);
        Assert.Null(kept.FileHash);
        var docs = Docs("pantry");
        await File.WriteAllTextAsync(Path.Combine(docs, "tea.txt"), text, ct);

        var first = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("uploaded (same text kept)", first.Console);
        var current = await api.GetDocumentAsync(kept.Id, ct);
        Assert.Equal(Sha256(Path.Combine(docs, "tea.txt")), current.FileHash);

        var second = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);
        Assert.Contains("Uploaded 0, skipped unchanged 1, ready 1, failed 0.", second.Console);
        Assert.Equal(1, (await api.ListDocumentsAsync(cancellationToken: ct)).Total);
    }

    [Fact]
    public async Task A_file_that_fails_gives_exit_code_1_and_its_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        using var editor = await service.App.CreateTenantClientAsync("editor");
        var docs = Docs("mixed");
        await File.WriteAllTextAsync(Path.Combine(docs, "good.md"), "# Good\n\nThis file has text about volcanoes.", ct);
        await File.WriteAllTextAsync(Path.Combine(docs, "empty.txt"), "", ct);

        var run = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("ready 1, failed 1", run.Console);
        Assert.Contains("empty.txt", run.Stderr);
        Assert.Contains("the file is empty", run.Stderr);
        // A failed document is uploaded again next time, not skipped.
        var again = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("Uploaded 1, skipped unchanged 1", again.Console);
    }

    [Fact]
    public async Task Ask_streams_the_answer_and_json_prints_the_services_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var editor = await service.App.CreateTenantClientAsync("editor");
        var docs = Docs("kb");
        await File.WriteAllTextAsync(Path.Combine(docs, "laptops.md"),
            "# Laptops\n\nNew employees receive their laptop from the Orion help desk on the first morning. " +
            "The help desk is on the third floor next to the library.", ct);
        var ingest = await Run("ingest", docs, "--url", service.Url, "--key", editor.Key);
        Assert.True(ingest.ExitCode == 0, ingest.ToString());

        var json = await Run("ask", "Where do new employees get their laptop?", "--model", "local", "--json", "--url", service.Url, "--key", editor.Key);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var answer = JsonDocument.Parse(json.Stdout);
        Assert.Equal("local", answer.RootElement.GetProperty("model").GetString());
        Assert.True(answer.RootElement.GetProperty("grounded").GetBoolean());
        var sources = answer.RootElement.GetProperty("sources");
        Assert.True(sources.GetArrayLength() > 0);
        Assert.Equal("Laptops", sources[0].GetProperty("title").GetString());

        var streamed = await Run("ask", "Where do new employees get their laptop?", "--model", "local", "--url", service.Url, "--key", editor.Key);
        Assert.True(streamed.ExitCode == 0, streamed.ToString());
        Assert.Contains("help desk", streamed.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Sources", streamed.Console);
        Assert.Contains("Laptops", streamed.Console);

        using var stranger = await service.App.CreateTenantClientAsync("reader");
        var nothing = await Run("ask", "Where do new employees get their laptop?", "--model", "local", "--url", service.Url, "--key", stranger.Key);
        Assert.True(nothing.ExitCode == 0, nothing.ToString());
        Assert.Contains("Not found in your documents", nothing.Console);
    }

    [Fact]
    public async Task A_bad_key_exits_1_with_the_problem_and_a_hint_and_an_unreachable_service_exits_2()
    {
        var badKey = await Run("docs", "list", "--url", service.Url, "--key", "gw_not_a_key");
        Assert.True(badKey.ExitCode == 1, badKey.ToString());
        Assert.Contains("401", badKey.Stderr);
        Assert.Contains("groundwork login", badKey.Stderr);

        var unreachable = await Run("docs", "list", "--url", "http://127.0.0.1:1", "--key", "gw_whatever");
        Assert.True(unreachable.ExitCode == 2, unreachable.ToString());
        Assert.Contains("could not be reached", unreachable.Stderr);

        var noKey = await Run("docs", "list", "--url", service.Url);
        Assert.True(noKey.ExitCode == 2, noKey.ToString());
        Assert.Contains("No API key", noKey.Stderr);

        var usage = await Run("search");
        Assert.Equal(2, usage.ExitCode);
        var help = await Run("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Exit codes", help.Stdout);
    }

    [Fact]
    public async Task Login_saves_the_connection_and_flags_beat_environment_beat_the_file()
    {
        var ct = TestContext.Current.CancellationToken;
        using var editor = await service.App.CreateTenantClientAsync("editor");
        var environment = CliRunner.IsolatedEnvironment(_folder);
        var configPath = environment["GROUNDWORK_CONFIG"]!;

        var login = await CliRunner.RunAsync(environment, "login", "--url", service.Url, "--key", editor.Key);
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("Signed in to", login.Console);
        Assert.Contains("editor", login.Console);
        Assert.True(File.Exists(configPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(configPath));
        }

        // The file alone is enough.
        var fromFile = await CliRunner.RunAsync(environment, "docs", "list", "--json");
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Equal(0, JsonDocument.Parse(fromFile.Stdout).RootElement.GetProperty("total").GetInt32());

        // The environment beats the file, a flag beats the environment.
        environment["GROUNDWORK_API_KEY"] = "gw_not_a_key";
        var fromEnvironment = await CliRunner.RunAsync(environment, "docs", "list");
        Assert.True(fromEnvironment.ExitCode == 1, fromEnvironment.ToString());
        var fromFlag = await CliRunner.RunAsync(environment, "docs", "list", "--key", editor.Key);
        Assert.True(fromFlag.ExitCode == 0, fromFlag.ToString());
        environment["GROUNDWORK_URL"] = "http://127.0.0.1:1";
        var urlFromEnvironment = await CliRunner.RunAsync(environment, "docs", "list", "--key", editor.Key);
        Assert.Equal(2, urlFromEnvironment.ExitCode);
        var urlFromFlag = await CliRunner.RunAsync(environment, "docs", "list", "--key", editor.Key, "--url", service.Url);
        Assert.Equal(0, urlFromFlag.ExitCode);

        var resolved = Connection.Resolve("http://flag:1", null, name => environment.GetValueOrDefault(name));
        Assert.Equal(("--url", "GROUNDWORK_API_KEY", "gw_not_a_key"), (resolved.UrlOrigin, resolved.KeyOrigin, resolved.Key));
        var fileOnly = Connection.Resolve(null, null, name => name == "GROUNDWORK_CONFIG" ? configPath : null);
        Assert.Equal((service.Url + "/", editor.Key), (fileOnly.Url.ToString(), fileOnly.Key));
        var nothing = Connection.Resolve(null, null, name => name == "GROUNDWORK_CONFIG" ? Path.Combine(_folder, "none.json") : null);
        Assert.Equal((CliConfig.DefaultUrl + "/", null), (nothing.Url.ToString(), nothing.Key));
        await Task.CompletedTask.WaitAsync(ct);
    }

    [Fact]
    public async Task Search_docs_keys_users_and_usage_commands_work_as_tables_and_json()
    {
        var ct = TestContext.Current.CancellationToken;
        using var admin = await service.App.CreateTenantClientAsync("admin");
        var docs = Docs("wiki");
        await File.WriteAllTextAsync(Path.Combine(docs, "volcanoes.md"), "# Volcanoes\n\nMount Etna is an active volcano in Sicily.", ct);
        string[] connection = ["--url", service.Url, "--key", admin.Key];
        Assert.Equal(0, (await Run(["ingest", docs, .. connection])).ExitCode);

        var search = await Run(["search", "Etna volcano", "--top-k", "3", "--json", .. connection]);
        Assert.True(search.ExitCode == 0, search.ToString());
        var hit = JsonDocument.Parse(search.Stdout).RootElement.GetProperty("results")[0];
        Assert.Equal("Volcanoes", hit.GetProperty("title").GetString());
        var documentId = hit.GetProperty("document_id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var searchTable = await Run(["search", "Etna volcano", "--mode", "keyword", .. connection]);
        Assert.Contains("Mount Etna", searchTable.Console);

        var list = await Run(["docs", "list", "--status", "ready", .. connection]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("wiki/volcanoes.md", list.Console);
        var show = await Run(["docs", "show", documentId, .. connection]);
        Assert.Contains("Sicily", show.Console);

        var created = await Run(["keys", "create", "--user", admin.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", "ci",
            "--read-only", "--expires", "2099-01-01", "--json", .. connection]);
        Assert.True(created.ExitCode == 0, created.ToString());
        var key = JsonDocument.Parse(created.Stdout).RootElement;
        Assert.True(key.GetProperty("read_only").GetBoolean());
        var keyId = key.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var keys = await Run(["keys", "list", "--user", admin.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), .. connection]);
        Assert.Contains("ci", keys.Console);
        Assert.Equal(0, (await Run(["keys", "revoke", keyId, .. connection])).ExitCode);
        var revokedUse = await Run(["docs", "list", "--url", service.Url, "--key", key.GetProperty("key").GetString()!]);
        Assert.Equal(1, revokedUse.ExitCode);

        var users = await Run(["users", "--json", .. connection]);
        Assert.True(users.ExitCode == 0, users.ToString());
        Assert.Contains(JsonDocument.Parse(users.Stdout).RootElement.GetProperty("users").EnumerateArray(), u => u.GetProperty("id").GetInt64() == admin.UserId);
        Assert.Equal(0, (await Run(["users", "list", .. connection])).ExitCode);

        var usage = await Run(["usage", "--group-by", "model", "--from", "2020-01-01", .. connection]);
        Assert.True(usage.ExitCode == 0, usage.ToString());
        Assert.Contains("Total", usage.Console);
        Assert.Equal(2, (await Run(["usage", "--from", "yesterday", .. connection])).ExitCode);

        var invalid = await Run(["keys", "create", "--user", "1", "--name", new string('x', 500), .. connection]);
        Assert.Equal(1, invalid.ExitCode);

        Assert.Equal(0, (await Run(["docs", "rm", documentId, .. connection])).ExitCode);
        var gone = await Run(["docs", "show", documentId, .. connection]);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("Document not found", gone.Stderr);
    }
}
