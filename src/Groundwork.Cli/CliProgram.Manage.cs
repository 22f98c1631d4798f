using System.CommandLine;
using System.Globalization;
using Groundwork.Client;
using Spectre.Console;

namespace Groundwork.Cli;

public static partial class CliProgram
{
    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string When(DateTime? at) => at?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";

    private static Command DocsCommand(CliContext context)
    {
        var status = new Option<string?>("--status") { Description = "Only documents with this status: queued, processing, ready or failed." };
        status.AcceptOnlyFromAmong("queued", "processing", "ready", "failed");
        var limit = new Option<int>("--limit") { Description = "How many, newest first (1–100, default 20).", DefaultValueFactory = _ => 20 };
        var listJson = JsonOption();
        var list = new Command("list", "List documents, newest first.") { status, limit, listJson };
        context.SetAction(list, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var page = await client.Api.ListDocumentsAsync(new DocumentQuery { Status = parse.GetValue(status), Limit = parse.GetValue(limit) }, ct);
            if (parse.GetValue(listJson))
            {
                return context.PrintJson(page);
            }

            var table = new Table().AddColumn(new TableColumn("Id").NoWrap()).AddColumns("Title", "Status", "Chunks", "External id").AddColumn(new TableColumn("Uploaded").NoWrap());
            foreach (var document in page.Items)
            {
                table.AddRow(Id(document.Id), Markup.Escape(document.Title), StatusMarkup(document.Status, document.Error),
                    document.ChunkCount.ToString(CultureInfo.InvariantCulture), Markup.Escape(document.ExternalId ?? ""), When(document.UploadedAt));
            }

            context.Console.Write(table);
            context.Console.MarkupLine($"{page.Items.Count} of {page.Total} document(s).");
            return ExitOk;
        });

        var showId = new Argument<long>("id") { Description = "The document's id." };
        var showJson = JsonOption();
        var show = new Command("show", "Show one document.") { showId, showJson };
        context.SetAction(show, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var document = await client.Api.GetDocumentAsync(parse.GetValue(showId), ct);
            if (parse.GetValue(showJson))
            {
                return context.PrintJson(document);
            }

            var grid = new Grid().AddColumn().AddColumn();
            void Row(string name, string? value) => grid.AddRow($"[bold]{name}[/]", Markup.Escape(value ?? ""));
            Row("Id", Id(document.Id));
            Row("Title", document.Title);
            grid.AddRow("[bold]Status[/]", StatusMarkup(document.Status, document.Error));
            Row("Progress", $"{document.Progress.ChunksEmbedded}/{document.Progress.ChunksTotal} chunks embedded");
            Row("Chunks", document.ChunkCount.ToString(CultureInfo.InvariantCulture));
            Row("External id", document.ExternalId);
            Row("Source", document.Source);
            Row("Tags", string.Join(", ", document.Tags));
            Row("Content type", document.ContentType);
            Row("File hash", document.FileHash);
            Row("Created", When(document.CreatedAt));
            Row("Uploaded", When(document.UploadedAt));
            Row("Replaces", document.Replaces is { } replaces ? Id(replaces) : null);
            if (document.Error is { } error)
            {
                Row("Error", error);
            }

            context.Console.Write(grid);
            if (document.Text is { Length: > 0 } text)
            {
                context.Console.WriteLine();
                context.Console.WriteLine(Shorten(text, 600));
            }

            return ExitOk;
        });

        var removeId = new Argument<long>("id") { Description = "The document's id." };
        var remove = new Command("rm", "Delete a document and its chunks.") { removeId };
        context.SetAction(remove, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var id = parse.GetValue(removeId);
            await client.Api.DeleteDocumentAsync(id, ct);
            context.Console.MarkupLine($"Deleted document {Id(id)}.");
            return ExitOk;
        });

        return new Command("docs", "List, show and delete documents.") { list, show, remove };
    }

    private static string StatusMarkup(string status, string? error) => status switch
    {
        "ready" => "[green]ready[/]",
        "failed" => error is null ? "[red]failed[/]" : $"[red]failed[/]: {Markup.Escape(Shorten(error, 80))}",
        _ => Markup.Escape(status),
    };

    private static Command KeysCommand(CliContext context)
    {
        var user = new Option<long>("--user") { Description = "The user's id (groundwork users lists them).", Required = true };
        var name = new Option<string>("--name") { Description = "A name for the key.", Required = true };
        var readOnly = new Option<bool>("--read-only") { Description = "The key may only read (search, ask, list)." };
        var expires = new Option<string?>("--expires") { Description = "When the key stops working (2026-12-31 or an ISO 8601 date and time)." };
        var createJson = JsonOption();
        var create = new Command("create", "Create an API key for a user; the key is shown once.") { user, name, readOnly, expires, createJson };
        context.SetAction(create, async (parse, ct) =>
        {
            var expiresAt = ParseDate(parse.GetValue(expires), "--expires");
            using var client = context.Connect(context.Resolve(parse));
            var key = await client.Api.CreateKeyAsync(parse.GetValue(user), new CreateKeyRequest(parse.GetValue(name)!, expiresAt, parse.GetValue(readOnly)), ct);
            if (parse.GetValue(createJson))
            {
                return context.PrintJson(key);
            }

            context.Console.MarkupLine($"Created key {Id(key.Id)} ({Markup.Escape(key.Prefix)}) for user {Id(key.UserId)}" +
                $"{(key.ReadOnly ? ", read-only" : "")}{(key.ExpiresAt is { } at ? $", expires {When(at)} UTC" : "")}. It is shown only now:");
            context.Stdout.WriteLine(key.Key);
            return ExitOk;
        });

        var listUser = new Option<long>("--user") { Description = "The user's id.", Required = true };
        var listJson = JsonOption();
        var list = new Command("list", "List a user's keys.") { listUser, listJson };
        context.SetAction(list, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var keys = await client.Api.ListKeysAsync(parse.GetValue(listUser), ct);
            if (parse.GetValue(listJson))
            {
                return context.PrintJson(keys);
            }

            var table = new Table().AddColumn(new TableColumn("Id").NoWrap()).AddColumns("Prefix", "Name", "Read-only", "Created", "Last used", "Expires", "Revoked");
            foreach (var key in keys.Keys)
            {
                table.AddRow(Id(key.Id), Markup.Escape(key.Prefix), Markup.Escape(key.Name), key.ReadOnly ? "yes" : "", When(key.CreatedAt),
                    When(key.LastUsedAt), When(key.ExpiresAt), key.Revoked ? $"[red]{When(key.RevokedAt)}[/]" : "");
            }

            context.Console.Write(table);
            return ExitOk;
        });

        var revokeId = new Argument<long>("id") { Description = "The key's id." };
        var revoke = new Command("revoke", "Revoke a key: it stops working at once.") { revokeId };
        context.SetAction(revoke, async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            await client.Api.RevokeKeyAsync(parse.GetValue(revokeId), ct);
            context.Console.MarkupLine($"Revoked key {Id(parse.GetValue(revokeId))}.");
            return ExitOk;
        });

        return new Command("keys", "Create, list and revoke API keys.") { create, list, revoke };
    }

    private static Command UsersCommand(CliContext context)
    {
        Func<ParseResult, CancellationToken, Task<int>> ListUsers(Option<bool> json) => async (parse, ct) =>
        {
            using var client = context.Connect(context.Resolve(parse));
            var users = await client.Api.ListUsersAsync(cancellationToken: ct);
            if (parse.GetValue(json))
            {
                return context.PrintJson(users);
            }

            var table = new Table().AddColumn(new TableColumn("Id").NoWrap()).AddColumns("Email", "Name", "Role", "Tenant", "Disabled", "Budget");
            foreach (var user in users.Users)
            {
                table.AddRow(Id(user.Id), Markup.Escape(user.Email), Markup.Escape(user.Name), user.Operator ? $"{user.Role}, operator" : user.Role,
                    Id(user.TenantId), user.Disabled ? "[red]disabled[/]" : "",
                    user.Budget is { } budget ? $"{budget.Tokens.ToString(CultureInfo.InvariantCulture)} tokens/{budget.Period}" : "");
            }

            context.Console.Write(table);
            return ExitOk;
        };

        var listJson = JsonOption();
        var list = new Command("list", "List the users of your tenant (all tenants for the operator).") { listJson };
        context.SetAction(list, ListUsers(listJson));
        var json = JsonOption();
        var users = new Command("users", "List users (same as users list).") { list, json };
        context.SetAction(users, ListUsers(json));
        return users;
    }

    private static Command UsageCommand(CliContext context)
    {
        var groupBy = new Option<string?>("--group-by") { Description = "day, model or user." };
        groupBy.AcceptOnlyFromAmong("day", "model", "user");
        var from = new Option<string?>("--from") { Description = "From this date or time (UTC)." };
        var to = new Option<string?>("--to") { Description = "Up to this date or time (UTC)." };
        var json = JsonOption();
        var command = new Command("usage", "Tokens and requests used, in total and per day, model or user.") { groupBy, from, to, json };
        context.SetAction(command, async (parse, ct) =>
        {
            var fromDate = ParseDate(parse.GetValue(from), "--from");
            var toDate = ParseDate(parse.GetValue(to), "--to");
            using var client = context.Connect(context.Resolve(parse));
            var report = await client.Api.GetUsageAsync(fromDate, toDate, parse.GetValue(groupBy), cancellationToken: ct);
            if (parse.GetValue(json))
            {
                return context.PrintJson(report);
            }

            string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
            var table = new Table().Title($"Usage of tenant {Id(report.TenantId)}, {When(report.From)} to {When(report.To)} UTC")
                .AddColumns(report.GroupBy ?? "", "Prompt tokens", "Completion tokens", "Total tokens", "Requests");
            foreach (var group in report.Groups)
            {
                table.AddRow(Markup.Escape(group.Key), N(group.PromptTokens), N(group.CompletionTokens), N(group.TotalTokens), N(group.Requests));
            }

            table.AddRow("[bold]Total[/]", N(report.Total.PromptTokens), N(report.Total.CompletionTokens), N(report.Total.TotalTokens), N(report.Total.Requests));
            context.Console.Write(table);
            return ExitOk;
        });
        return command;
    }
}
