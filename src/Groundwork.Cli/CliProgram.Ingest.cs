using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Groundwork.Client;
using Microsoft.Extensions.FileSystemGlobbing;
using Spectre.Console;

namespace Groundwork.Cli;

public static partial class CliProgram
{
    /// <summary>The file types the service reads (src/Groundwork/Documents/Extraction).</summary>
    internal static readonly string[] SupportedExtensions = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"];

    private static Command IngestCommand(CliContext context)
    {
        var paths = new Argument<string[]>("paths") { Description = "Files and folders (folders recursively).", Arity = ArgumentArity.OneOrMore };
        var include = new Option<string[]>("--include")
        {
            Description = "Glob(s) of files to take inside folders (default: the supported types, " + string.Join(" ", SupportedExtensions) + ").",
            AllowMultipleArgumentsPerToken = true,
        };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob(s) of files to leave out.", AllowMultipleArgumentsPerToken = true };
        var tags = new Option<string[]>("--tags") { Description = "Tags for every document (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var source = new Option<string?>("--source") { Description = "The source recorded on every document (default: the file's name)." };
        var parallel = new Option<int>("--parallel") { Description = "Files uploaded at once (default 3).", DefaultValueFactory = _ => 3 };
        var command = new Command("ingest",
            "Upload files and folders and wait until they are indexed. Each file's external id is its path under the folder given " +
            "(prefixed by the folder's name), so a changed file replaces its old version; unchanged files (same SHA-256) are skipped. " +
            "Exit code 1 when any file failed.")
        {
            paths, include, exclude, tags, source, parallel,
        };
        context.SetAction(command, async (parse, ct) =>
        {
            var files = FindFiles(parse.GetValue(paths)!, parse.GetValue(include) ?? [], parse.GetValue(exclude) ?? []);
            var tagList = (parse.GetValue(tags) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            var fields = new UploadFields { Source = parse.GetValue(source), Tags = tagList.Count > 0 ? tagList : null };
            using var client = context.Connect(context.Resolve(parse));
            // Fails fast, before any progress is drawn, for a bad key (1) or an unreachable service (2).
            await client.Api.GetMeAsync(ct);
            if (files.Count == 0)
            {
                context.Console.MarkupLine("[yellow]No files to ingest[/] (supported: " + string.Join(" ", SupportedExtensions) + "; see --include).");
                return ExitOk;
            }

            var outcomes = await IngestAsync(context, client.Api, files, fields, Math.Clamp(parse.GetValue(parallel), 1, 16), ct);
            PrintSummary(context, outcomes);
            return outcomes.Any(o => o.Failed) ? ExitFailed : ExitOk;
        });
        return command;
    }

    internal sealed record FoundFile(string FullPath, string DisplayPath, string ExternalId);

    internal sealed record IngestOutcome(FoundFile File, string Action, string? Status, long? DocumentId, string? Reason)
    {
        public bool Failed => Status == "failed" || Action == "error";
    }

    /// <summary>The files to ingest, each with an external id made from its path under the folder it was found in.</summary>
    internal static List<FoundFile> FindFiles(IReadOnlyList<string> paths, IReadOnlyList<string> include, IReadOnlyList<string> exclude)
    {
        var found = new Dictionary<string, FoundFile>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full))
            {
                var folder = Path.GetDirectoryName(full)!;
                found.TryAdd(full, new FoundFile(full, path, ExternalIdOf(folder, full)));
            }
            else if (Directory.Exists(full))
            {
                var matcher = new Matcher(StringComparison.OrdinalIgnoreCase);
                if (include.Count > 0)
                {
                    matcher.AddIncludePatterns(include);
                }
                else
                {
                    matcher.AddIncludePatterns(SupportedExtensions.Select(e => "**/*" + e));
                }

                matcher.AddExcludePatterns(exclude);
                foreach (var file in matcher.GetResultsInFullPath(full).Order(StringComparer.Ordinal))
                {
                    found.TryAdd(file, new FoundFile(file, Path.Combine(path, Path.GetRelativePath(full, file)), ExternalIdOf(full, file)));
                }
            }
            else
            {
                throw new CliUsageException($"No file or folder '{path}'.");
            }
        }

        return [.. found.Values];
    }

    /// <summary><c>folder-name/relative/path.md</c> with forward slashes; long ones end with a hash of the whole.</summary>
    internal static string ExternalIdOf(string folder, string file)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        if (name.Length == 0)
        {
            name = "root";
        }

        var id = name + "/" + Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
        if (id.Length <= 200)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..16];
        return id[..(200 - 17)] + "#" + hash;
    }

    private static async Task<List<IngestOutcome>> IngestAsync(
        CliContext context, GroundworkClient api, IReadOnlyList<FoundFile> files, UploadFields fields, int parallel, CancellationToken ct)
    {
        var outcomes = new IngestOutcome[files.Count];
        await context.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var overall = progress.AddTask($"[bold]All {files.Count} file(s)[/]", maxValue: files.Count * 100.0);
                var tasks = files.Select(f => progress.AddTask(Markup.Escape(f.DisplayPath), autoStart: false, maxValue: 100)).ToArray();
                await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct },
                    async (index, token) =>
                    {
                        var task = tasks[index];
                        task.StartTask();
                        var last = 0.0;
                        void Advance(double value)
                        {
                            lock (task)
                            {
                                if (value > last)
                                {
                                    overall.Increment(value - last);
                                    last = value;
                                    task.Value = value;
                                }
                            }
                        }

                        outcomes[index] = await IngestOneAsync(api, files[index], fields, task, Advance, token);
                        Advance(100);
                        task.Description = $"{Markup.Escape(files[index].DisplayPath)} [grey]{Markup.Escape(outcomes[index].Action)}[/]" +
                            (outcomes[index].Failed ? " [red]failed[/]" : "");
                        task.StopTask();
                    });
                overall.StopTask();
            });
        return [.. outcomes];
    }

    /// <summary>Upload is the first half of a file's bar (bytes sent), indexing the second (chunks embedded).</summary>
    private static async Task<IngestOutcome> IngestOneAsync(
        GroundworkClient api, FoundFile file, UploadFields fields, ProgressTask task, Action<double> advance, CancellationToken ct)
    {
        try
        {
            string hash;
            long length;
            await using (var stream = File.OpenRead(file.FullPath))
            {
                length = stream.Length;
                hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
            }

            var newest = (await api.ListDocumentsAsync(new DocumentQuery { ExternalId = file.ExternalId, Limit = 1 }, ct)).Items.FirstOrDefault();
            if (newest is not null && newest.Status != "failed" && string.Equals(newest.FileHash, hash, StringComparison.OrdinalIgnoreCase))
            {
                return new IngestOutcome(file, "skipped (unchanged)", newest.Status, newest.Id, null);
            }

            var upload = new UploadFile(Path.GetFileName(file.FullPath), length,
                token => Task.FromResult<Stream>(File.OpenRead(file.FullPath)), ContentTypeOf(file.FullPath));
            var sent = new InlineProgress(bytes => advance(length == 0 ? 50 : Math.Min(50, 50.0 * bytes / Math.Max(length, 1))));
            var documents = await api.UploadAsync([upload], fields with { ExternalId = file.ExternalId }, sent, cancellationToken: ct);
            var document = documents[0];
            advance(50);
            var action = document.Duplicate == true ? "uploaded (same text kept)" : "uploaded";
            while (!document.IsFinished)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                document = await api.GetDocumentAsync(document.Id, ct);
                if (document.Progress.ChunksTotal > 0)
                {
                    advance(50 + 50.0 * document.Progress.ChunksEmbedded / document.Progress.ChunksTotal);
                }
            }

            return new IngestOutcome(file, action, document.Status, document.Id, document.Error);
        }
        catch (GroundworkApiException e)
        {
            return new IngestOutcome(file, "error", null, null, e.Message);
        }
        catch (IOException e)
        {
            return new IngestOutcome(file, "error", null, null, e.Message);
        }
    }

    private static string? ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".txt" => "text/plain",
        ".md" or ".markdown" => "text/markdown",
        ".html" or ".htm" => "text/html",
        ".pdf" => "application/pdf",
        ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => null,
    };

    private static void PrintSummary(CliContext context, IReadOnlyList<IngestOutcome> outcomes)
    {
        // The external id is shown only where it is not the path as given (a file named directly, say).
        var showIds = outcomes.Any(o => o.File.ExternalId != o.File.DisplayPath.Replace(Path.DirectorySeparatorChar, '/'));
        var table = new Table().Title("Ingested").AddColumn("File");
        if (showIds)
        {
            table.AddColumn("External id");
        }

        table.AddColumns("Action", "Status").AddColumn(new TableColumn("Document").NoWrap()).AddColumn("Reason");
        foreach (var outcome in outcomes)
        {
            var cells = new List<string> { Markup.Escape(outcome.File.DisplayPath) };
            if (showIds)
            {
                cells.Add(Markup.Escape(outcome.File.ExternalId));
            }

            cells.AddRange(Markup.Escape(outcome.Action), outcome.Status is null ? "[red]error[/]" : StatusMarkup(outcome.Status, null),
                outcome.DocumentId?.ToString(CultureInfo.InvariantCulture) ?? "", Markup.Escape(outcome.Reason ?? ""));
            table.AddRow([.. cells]);
        }

        context.Console.Write(table);
        var uploaded = outcomes.Count(o => o.Action.StartsWith("uploaded", StringComparison.Ordinal));
        var skipped = outcomes.Count(o => o.Action.StartsWith("skipped", StringComparison.Ordinal));
        var ready = outcomes.Count(o => o.Status == "ready");
        var failed = outcomes.Count(o => o.Failed);
        context.Console.MarkupLine($"Uploaded {uploaded}, skipped unchanged {skipped}, ready {ready}, " +
            (failed > 0 ? $"[red]failed {failed}[/]" : "failed 0") + ".");
        foreach (var outcome in outcomes.Where(o => o.Failed))
        {
            context.Errors.MarkupLine($"[red]Failed: {Markup.Escape(outcome.File.DisplayPath)}: {Markup.Escape(outcome.Reason ?? "unknown reason")}[/]");
        }
    }

    /// <summary>Reports on the caller's thread, at once (<see cref="Progress{T}"/> would post later).</summary>
    private sealed class InlineProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
