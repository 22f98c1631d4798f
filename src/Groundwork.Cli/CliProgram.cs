using System.CommandLine;
using System.Text.Json;
using Groundwork.Client;
using Spectre.Console;

namespace Groundwork.Cli;

/// <summary>The <c>groundwork</c> command: a named class (not top-level statements) so tests can run it in-process.</summary>
public static partial class CliProgram
{
    /// <summary>Everything asked for was done.</summary>
    public const int ExitOk = 0;

    /// <summary>The service refused a request, or a file failed to ingest.</summary>
    public const int ExitFailed = 1;

    /// <summary>The command line or configuration is wrong, or the service cannot be reached.</summary>
    public const int ExitUsage = 2;

    private const string Description =
        "groundwork: ingest documents into, ask and manage a Groundwork service.\n\n" +
        "Connection: --url and --key, else GROUNDWORK_URL and GROUNDWORK_API_KEY, else the file written by " +
        "'groundwork login' ($GROUNDWORK_CONFIG, $XDG_CONFIG_HOME/groundwork/config.json or ~/.config/groundwork/config.json); " +
        $"the URL defaults to {CliConfig.DefaultUrl}.\n\n" +
        "Exit codes: 0 success; 1 the service refused a request or a file failed to ingest; " +
        "2 wrong usage or configuration, or the service could not be reached.";

    public static Task<int> Main(string[] args) => RunAsync(args);

    public static Task<int> RunAsync(string[] args) =>
        RunAsync(args, AnsiConsole.Console, Console.Out, Console.Error);

    /// <summary>
    /// Runs the tool in-process: tables and progress go to <paramref name="console"/>, answers and JSON to
    /// <paramref name="stdout"/>, errors to <paramref name="stderr"/>; <paramref name="handler"/> (an in-memory test
    /// server, say) replaces the network, and <paramref name="environment"/> the process environment.
    /// </summary>
    public static async Task<int> RunAsync(
        string[] args, IAnsiConsole console, TextWriter stdout, TextWriter? stderr = null, HttpMessageHandler? handler = null,
        IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        stderr ??= stdout;
        var errors = ReferenceEquals(stderr, Console.Error)
            ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
            : AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(stderr), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
        Func<string, string?> env = environment is null ? Environment.GetEnvironmentVariable : name => environment.GetValueOrDefault(name);
        var context = new CliContext(console, stdout, errors, handler, env);
        var root = BuildCommands(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parse.Errors)
            {
                errors.MarkupLine($"[red]{Markup.Escape(error.Message)}[/]");
            }

            errors.MarkupLine("Run [bold]groundwork --help[/] for usage.");
            return ExitUsage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }

    private static RootCommand BuildCommands(CliContext context)
    {
        var root = new RootCommand(Description);
        root.Options.Add(context.UrlOption);
        root.Options.Add(context.KeyOption);
        root.Subcommands.Add(LoginCommand(context));
        root.Subcommands.Add(IngestCommand(context));
        root.Subcommands.Add(AskCommand(context));
        root.Subcommands.Add(SearchCommand(context));
        root.Subcommands.Add(DocsCommand(context));
        root.Subcommands.Add(KeysCommand(context));
        root.Subcommands.Add(UsersCommand(context));
        root.Subcommands.Add(UsageCommand(context));
        return root;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the service's JSON instead of a table." };

    private static Command LoginCommand(CliContext context)
    {
        var command = new Command("login", "Check --url and --key against the service (GET /me) and save them for later commands.");
        context.SetAction(command, async (parse, ct) =>
        {
            var connection = context.Resolve(parse, requireKey: true);
            using var client = context.Connect(connection);
            var me = await client.Api.GetMeAsync(ct);
            var path = CliConfig.PathFrom(context.Environment);
            new CliConfig(connection.Url.ToString().TrimEnd('/'), connection.Key).Save(path);
            context.Console.MarkupLine(
                $"Signed in to [bold]{Markup.Escape(connection.Url.ToString())}[/] as [bold]{Markup.Escape(me.User.Name)}[/] " +
                $"<{Markup.Escape(me.User.Email)}> ({Markup.Escape(me.User.Role)}{(me.User.Operator ? ", operator" : "")}) " +
                $"in tenant [bold]{Markup.Escape(me.Tenant.Name)}[/] (id {me.Tenant.Id}), key {Markup.Escape(me.Key.Prefix)}" +
                $"{(me.Key.ReadOnly ? " (read-only)" : "")}.");
            context.Console.MarkupLine($"Saved to {Markup.Escape(path)}.");
            return ExitOk;
        });
        return command;
    }

    private static Command AskCommand(CliContext context)
    {
        var question = new Argument<string>("question") { Description = "The question to answer from your documents." };
        var model = new Option<string?>("--model") { Description = "The chat model (groundwork models lists them); the service's default otherwise." };
        var json = JsonOption();
        var command = new Command("ask", "Answer a question from your documents, streamed, then list its sources.") { question, model, json };
        context.SetAction(command, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var request = new GenerateRequest(parse.GetValue(question)!, parse.GetValue(model));
            if (parse.GetValue(json))
            {
                context.Stdout.WriteLine(await client.Api.GenerateJsonAsync(request, ct));
                return ExitOk;
            }

            return await AskStreamedAsync(context, client.Api, request, ct);
        });
        return command;
    }

    private static async Task<int> AskStreamedAsync(CliContext context, GroundworkClient api, GenerateRequest request, CancellationToken ct)
    {
        IReadOnlyList<Source> sources = [];
        var grounded = true;
        HashSet<int>? cited = null;
        IReadOnlyList<UnmatchedCitation> unmatched = [];
        await foreach (var item in api.StreamGenerateAsync(request, ct))
        {
            switch (item)
            {
                case StreamSources s:
                    sources = s.Sources;
                    grounded = s.Grounded;
                    break;
                case StreamDelta delta:
                    context.Stdout.Write(delta.Text);
                    await context.Stdout.FlushAsync(ct);
                    break;
                case StreamCitations citations:
                    cited = [.. citations.CitedSources];
                    unmatched = citations.UnmatchedCitations;
                    break;
                case StreamError error:
                    context.Stdout.WriteLine();
                    context.Errors.MarkupLine($"[red]Error: {Markup.Escape(error.Title)}[/]{(error.Detail is null ? "" : " " + Markup.Escape(error.Detail))}");
                    return ExitFailed;
            }
        }

        context.Stdout.WriteLine();
        await context.Stdout.FlushAsync(ct);
        if (!grounded || sources.Count == 0)
        {
            context.Console.MarkupLine("[yellow]Not found in your documents.[/]");
            return ExitOk;
        }

        var table = new Table().Title("Sources").AddColumns("#", "Title", "Pages", "Span", "Relevance", "Cited");
        foreach (var source in sources)
        {
            var isCited = cited?.Contains(source.Number) ?? source.Cited;
            table.AddRow(
                $"[{source.Number}]".EscapeMarkup(), Markup.Escape(source.Title), Pages(source.PageStart, source.PageEnd),
                $"{source.StartOffset}–{source.EndOffset}", source.Relevance.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
                isCited ? "yes" : "[grey]uncited[/]");
        }

        context.Console.Write(table);
        foreach (var citation in unmatched)
        {
            context.Console.MarkupLine($"[yellow]Unmatched citation [[{citation.Number}]] at {citation.Start}–{citation.End}: no source has that number.[/]");
        }

        return ExitOk;
    }

    private static string Pages(int? start, int? end) =>
        start is null ? "" : end is null || end == start ? $"p. {start}" : $"pp. {start}–{end}";

    private static Command SearchCommand(CliContext context)
    {
        var query = new Argument<string>("query") { Description = "What to look for." };
        var topK = new Option<int>("--top-k") { Description = "How many chunks (default 5).", DefaultValueFactory = _ => 5 };
        var mode = new Option<string>("--mode") { Description = "hybrid (default), vector or keyword.", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong("hybrid", "vector", "keyword");
        var json = JsonOption();
        var command = new Command("search", "Find the chunks of your documents that match a query.") { query, topK, mode, json };
        context.SetAction(command, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var found = await client.Api.SearchAsync(new SearchRequest(parse.GetValue(query)!, parse.GetValue(topK), parse.GetValue(mode)!), ct);
            if (parse.GetValue(json))
            {
                return context.PrintJson(found);
            }

            if (found.Results.Count == 0)
            {
                context.Console.MarkupLine("[yellow]Nothing found in your documents.[/]");
                return ExitOk;
            }

            var table = new Table().AddColumn(new TableColumn("Document").NoWrap()).AddColumns("Title", "Pages", "Relevance", "Text");
            foreach (var hit in found.Results)
            {
                table.AddRow(hit.DocumentId.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(hit.Title),
                    Pages(hit.PageStart, hit.PageEnd), hit.Relevance.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(Shorten(hit.Text, 160)));
            }

            context.Console.Write(table);
            return ExitOk;
        });
        return command;
    }

    internal static string Shorten(string text, int length)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= length ? flat : flat[..(length - 1)] + "…";
    }

    internal static DateTimeOffset? ParseDate(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new CliUsageException($"{option} must be a date (2026-12-31) or an ISO 8601 date and time; got '{text}'.");
    }
}

/// <summary>What every command shares: where output goes, how to connect, how failures become exit codes.</summary>
internal sealed class CliContext(IAnsiConsole console, TextWriter stdout, IAnsiConsole errors, HttpMessageHandler? handler, Func<string, string?> environment)
{
    public static readonly JsonSerializerOptions IndentedJson = new(GroundworkClient.Json) { WriteIndented = true };

    public IAnsiConsole Console { get; } = console;

    public TextWriter Stdout { get; } = stdout;

    public IAnsiConsole Errors { get; } = errors;

    public Func<string, string?> Environment { get; } = environment;

    public Option<string?> UrlOption { get; } = new("--url")
    {
        Description = $"The service's URL (else GROUNDWORK_URL, else the saved login, else {CliConfig.DefaultUrl}).", Recursive = true,
    };

    public Option<string?> KeyOption { get; } = new("--key")
    {
        Description = "The API key (else GROUNDWORK_API_KEY, else the saved login).", Recursive = true,
    };

    public Connection Resolve(ParseResult parse, bool requireKey = true)
    {
        var connection = Connection.Resolve(parse.GetValue(UrlOption), parse.GetValue(KeyOption), Environment);
        if (requireKey && connection.Key is null)
        {
            throw new CliUsageException("No API key: pass --key, set GROUNDWORK_API_KEY or run groundwork login --url URL --key KEY.");
        }

        return connection;
    }

    public ConnectedClient Connect(Connection connection)
    {
        var http = handler is null
            ? new HttpClient()
            : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = connection.Url;
        http.Timeout = TimeSpan.FromMinutes(30);
        return new ConnectedClient(http, new GroundworkClient(http, connection.Key ?? ""));
    }

    public int PrintJson<T>(T value)
    {
        Stdout.WriteLine(JsonSerializer.Serialize(value, IndentedJson));
        return CliProgram.ExitOk;
    }

    /// <summary>Runs the command's work, turning refusals into exit code 1 and usage or connection errors into 2.</summary>
    public void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            try
            {
                return await action(parse, ct);
            }
            catch (CliUsageException usage)
            {
                Errors.MarkupLine($"[red]{Markup.Escape(usage.Message)}[/]");
                return CliProgram.ExitUsage;
            }
            catch (GroundworkApiException api)
            {
                PrintProblem(api);
                return api.Status == 0 ? CliProgram.ExitUsage : CliProgram.ExitFailed;
            }
        });

    public void PrintProblem(GroundworkApiException problem)
    {
        var status = problem.Status == 0 ? "" : $" ({problem.Status})";
        Errors.MarkupLine($"[red]Error{status}: {Markup.Escape(problem.Title)}[/]");
        if (problem.Detail is { Length: > 0 } detail && detail != problem.Title)
        {
            Errors.MarkupLine($"[red]{Markup.Escape(detail)}[/]");
        }

        foreach (var (field, messages) in problem.Errors)
        {
            Errors.MarkupLine($"[red]  {Markup.Escape(field)}: {Markup.Escape(string.Join(" ", messages))}[/]");
        }

        if (problem.Status == 401)
        {
            Errors.MarkupLine("Hint: the key was not accepted. Check --key or GROUNDWORK_API_KEY, or run [bold]groundwork login --url URL --key KEY[/].");
        }
        else if (problem.Status == 0)
        {
            Errors.MarkupLine("Hint: is the service running at that URL? Pass --url, set GROUNDWORK_URL or run [bold]groundwork login[/].");
        }
    }
}

/// <summary>A client and the <see cref="HttpClient"/> it owns.</summary>
internal sealed class ConnectedClient(HttpClient http, GroundworkClient api) : IDisposable
{
    public GroundworkClient Api { get; } = api;

    public void Dispose() => http.Dispose();
}
