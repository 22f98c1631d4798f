using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Groundwork.Auth;
using Groundwork.Documents.Extraction;
using Groundwork.Documents.Ingestion;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.RateLimits;
using Groundwork.Retrieval;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Groundwork.Documents;

public static class DocumentsApi
{
    public static IHostApplicationBuilder AddDocuments(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ChunkingOptions>(ChunkingOptions.Section);
        builder.AddValidatedOptions<DocumentsOptions>(DocumentsOptions.Section);
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ChunkingOptions>>().Value;
            var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            return new Chunker(options, TokenCounting.For(embedder));
        });
        builder.AddValidatedOptions<IngestionOptions>(IngestionOptions.Section);
        builder.Services.AddSingleton<IngestionSignals>();
        builder.Services.AddSingleton<IngestionMetrics>();
        builder.Services.AddScoped<DocumentCatalog>();
        builder.Services.AddHostedService<ContentHashBackfill>();
        builder.Services.AddHostedService<IngestionWorker>();
        builder.AddValidatedOptions<ExtractionOptions>(ExtractionOptions.Section);
        builder.Services.AddSingleton(services => new DocumentTextExtractor(
            services.GetRequiredService<IOptions<ExtractionOptions>>().Value, services.GetRequiredService<TimeProvider>()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static RouteGroupBuilder MapDocumentsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/documents").WithTags("Documents").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        // Adding and deleting documents takes an editor's key; reading them any key of the tenant.
        var writes = group.MapGroup("").RequireAuthorization(Policies.Editor);
        writes.MapPost("", CreateDocumentsAsync)
            .WithName("CreateDocuments")
            .WithSummary("Add documents: JSON text, or files (text, Markdown, HTML, PDF, DOCX) as multipart/form-data")
            .WithDescription("Documents are stored and queued at once (202 Accepted, with a status_url per document); chunking, " +
                             "embedding and indexing happen in the background: GET the status_url until status is ready " +
                             "(or failed, with the reason). With ?wait=true the answer waits until every document is ready " +
                             "or failed (201), up to Ingestion:MaxWaitSeconds. Content already kept under the same " +
                             "external_id (or, without one, any identical document) is not indexed again: that document is " +
                             "returned with duplicate=true (200). A new content for an existing external_id replaces the old " +
                             "version when the new one is ready. For an upload, every file is read before any is stored: an " +
                             "unsupported file type rejects the whole upload (415); a file that cannot be read (damaged, " +
                             "empty, without text, or beyond an Extraction limit: nested too deep, expanding too much, too " +
                             "many pages or characters, over the time budget) is kept as a document with status failed and " +
                             "the reason in error, and the other files go on. Form fields " +
                             "source, tags (comma-separated) and created_at apply to every file's document; title and " +
                             "external_id name one document, so they are only accepted with exactly one file (422 otherwise). " +
                             "A file's title is the title field, else the file's own title (HTML <title>, PDF or DOCX " +
                             "metadata, DOCX Title paragraph; placeholders such as 'Untitled' ignored), else its first " +
                             "heading, else its file name. content_type is the type the file was read as; " +
                             "declared_content_type is the client's, when it differs.")
            .WithMetadata(new AcceptsMetadata(["application/json", "multipart/form-data"], typeof(CreateDocumentRequest)))
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                // One operation with two kinds of body, which endpoint metadata cannot describe by itself.
                var json = await context.GetOrCreateSchemaAsync(typeof(CreateDocumentRequest), cancellationToken: cancellationToken);
                var files = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["files"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Array,
                            Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                        },
                    },
                };
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = json },
                        ["multipart/form-data"] = new() { Schema = files },
                    },
                };
            })
            .WithRequestExample(new CreateDocumentRequest
            {
                Title = "Reactor manual",
                Text = "The Zorblax reactor is cooled by liquid helium kept at four kelvin. Its control rods are made of hafnium.",
                ExternalId = "reactor-manual",
                Tags = ["ops"],
                Metadata = new() { ["team"] = JsonSerializer.SerializeToElement("ops"), ["revision"] = JsonSerializer.SerializeToElement(3) },
            })
            .Produces<DocumentSummary>(StatusCodes.Status202Accepted)
            .Produces<DocumentSummary>(StatusCodes.Status201Created)
            .Produces<DocumentSummary>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(endpoints.ServiceProvider.GetRequiredService<IOptions<DocumentsOptions>>().Value.MaxUploadBytes))
            .DisableAntiforgery();
        group.MapGet("", ListDocumentsAsync).WithName("ListDocuments")
            .WithSummary("List documents, newest first; filter by status, external_id, title, tag, source, creation date or metadata")
            .WithDescription("Filters combine (all must hold): status (queued, processing, ready, failed); external_id (exact); " +
                             "title (the title contains it, ignoring the case of ASCII letters); tag (the document has this tag, exactly); " +
                             "source (the source starts with it, case-sensitive: a whole source matches itself, a folder or site " +
                             "prefix matches everything under it); created_from and created_to (ISO 8601 dates or date-times on " +
                             "created_at, both inclusive; a date alone in created_to means through the end of that UTC day); " +
                             "metadata.{key}=value (the metadata value under key, a string, number or boolean, written as text " +
                             "equals value: metadata.revision=3, metadata.reviewed=true); several metadata keys may be given. " +
                             "Empty values are ignored; invalid ones answer 422 naming each parameter. Only the caller's tenant's " +
                             "documents are listed and counted (total).");
        group.MapGet("/stats", GetStatsAsync).WithName("GetDocumentStats")
            .WithSummary("Documents per ingestion status, chunks stored and vectors indexed");
        group.MapGet("/{id:long}", GetDocumentAsync).WithName("GetDocument")
            .WithSummary("Get a document: ingestion status and progress, metadata and text");
        group.MapGet("/{id:long}/chunks", GetChunksAsync).WithName("GetDocumentChunks")
            .WithSummary("A document's chunks in order: text, offsets into the document's text, pages, heading path and tokens")
            .WithDescription("Only a ready document has chunks; one still queued or processing, or failed, answers an empty list. " +
                             "start_offset and end_offset index the text of GET /documents/{id}; tokens is the chunk's length " +
                             "in the embedding model's tokens (an estimate of about four characters a token for hosted models).");
        writes.MapDelete("/{id:long}", DeleteDocumentAsync).WithName("DeleteDocument")
            .WithSummary("Delete a document and remove its chunks from the index");
        return group;
    }

    public static async Task<IResult> CreateDocumentsAsync(
        HttpRequest request, Caller caller, JsonRequestReader reader, DocumentTextExtractor extractor, DocumentCatalog catalog,
        IngestionSignals signals, GroundworkDbContext db, IOptions<IngestionOptions> options, IOptions<DocumentsOptions> limits,
        CancellationToken cancellationToken, bool wait = false)
    {
        var maxBytes = limits.Value.MaxUploadBytes;
        if (request.ContentLength > maxBytes)
        {
            return UploadTooLarge(maxBytes);
        }

        if (request.HasFormContentType)
        {
            var (documents, problem) = await ReadFilesAsync(request, extractor, limits.Value, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            var uploaded = await AcceptAsync(caller.TenantId, documents!, catalog, signals, db, options.Value, wait, cancellationToken);
            return Answer(uploaded, "/documents", new UploadedDocuments(uploaded));
        }

        var body = await reader.ReadAsync<CreateDocumentRequest>(request.HttpContext, maxBytes);
        var accepted = await AcceptAsync(caller.TenantId, [new IncomingDocument(body)], catalog, signals, db, options.Value, wait, cancellationToken);
        return Answer(accepted, accepted[0].StatusUrl, accepted[0]);
    }

    /// <summary>200 when nothing new was queued, 201 when everything is ready, 202 while anything is still in the pipeline.</summary>
    private static IResult Answer<T>(IReadOnlyList<DocumentSummary> documents, string location, T body) =>
        documents.All(d => d.Duplicate == true) ? TypedResults.Ok(body)
        : documents.All(d => d.Status is DocumentStatus.Ready or DocumentStatus.Failed) ? TypedResults.Created(location, body)
        : TypedResults.Accepted(location, body);

    private static async Task<List<DocumentSummary>> AcceptAsync(
        long tenantId, IReadOnlyList<IncomingDocument> documents, DocumentCatalog catalog,
        IngestionSignals signals, GroundworkDbContext db, IngestionOptions options, bool wait, CancellationToken cancellationToken)
    {
        var accepted = await catalog.AcceptAsync(tenantId, documents, cancellationToken);
        var byId = accepted.Select(a => a.Document).DistinctBy(d => d.Id).ToDictionary(d => d.Id);
        if (wait)
        {
            foreach (var settled in await WaitUntilSettledAsync([.. byId.Keys], signals, db, options, cancellationToken))
            {
                byId[settled.Id] = settled;
            }
        }

        return [.. accepted.Select(a => DocumentSummary.From(byId[a.Document.Id]) with { Duplicate = a.Duplicate })];
    }

    /// <summary>The documents once each is ready, failed or gone — or as they are when the wait runs out.</summary>
    private static async Task<List<DocumentEntity>> WaitUntilSettledAsync(
        IReadOnlyList<long> ids, IngestionSignals signals, GroundworkDbContext db, IngestionOptions options, CancellationToken cancellationToken)
    {
        // Take the signals before reading, so a document settling in between is not missed.
        var settled = ids.Select(signals.WhenSettled).ToList();
        var current = await ReadAsync(db, ids, cancellationToken);
        var unsettled = current.Where(d => d.Status is DocumentStatus.Queued or DocumentStatus.Processing).Select(d => d.Id).ToHashSet();
        foreach (var id in ids.Where(id => !unsettled.Contains(id)))
        {
            signals.Settled(id);
        }

        if (unsettled.Count == 0)
        {
            return current;
        }

        try
        {
            await Task.WhenAll(settled).WaitAsync(TimeSpan.FromSeconds(options.MaxWaitSeconds), cancellationToken);
        }
        catch (TimeoutException)
        {
        }

        return await ReadAsync(db, ids, cancellationToken);
    }

    private static Task<List<DocumentEntity>> ReadAsync(GroundworkDbContext db, IReadOnlyList<long> ids, CancellationToken cancellationToken) =>
        db.Documents.AsNoTracking().Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken);

    private static async Task<(List<IncomingDocument>? Documents, IResult? Problem)> ReadFilesAsync(
        HttpRequest request, DocumentTextExtractor extractor, DocumentsOptions limits, CancellationToken cancellationToken)
    {
        var maxBytes = limits.MaxUploadBytes;
        // The form reader enforces the limit itself, also where the server cannot (chunked bodies, in-memory test hosts).
        request.HttpContext.Features.Set<Microsoft.AspNetCore.Http.Features.IFormFeature>(new Microsoft.AspNetCore.Http.Features.FormFeature(
            request, new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = maxBytes, ValueLengthLimit = 16_384 }));
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException exception) when (exception.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, UploadTooLarge(maxBytes));
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            // The form reader's messages describe the multipart syntax error and name no types.
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed multipart body",
                detail: $"The multipart/form-data body cannot be read: {exception.Message}"));
        }

        if (form.Files.Count == 0)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No files",
                detail: "Send one or more files as multipart/form-data parts."));
        }

        if (form.Files.Count > limits.MaxFilesPerUpload)
        {
            return (null, Results.ValidationProblem(
                new Dictionary<string, string[]> { ["files"] = [$"At most {limits.MaxFilesPerUpload} files per upload (setting Documents:MaxFilesPerUpload); got {form.Files.Count}."] },
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "One or more fields are invalid"));
        }

        var (fields, invalidFields) = FormFields(form);
        if (fields is null)
        {
            return (null, invalidFields);
        }

        // A title names one document, like an external id; the files of a larger upload each keep their own title.
        var singleDocumentFields = new Dictionary<string, string[]>();
        if (form.Files.Count > 1 && fields.ExternalId is not null)
        {
            singleDocumentFields["external_id"] = ["external_id names one document: send one file with it."];
        }

        if (form.Files.Count > 1 && fields.Title.Length > 0)
        {
            singleDocumentFields["title"] = ["title names one document: send one file with it, or leave it out to use each file's own title."];
        }

        if (singleDocumentFields.Count > 0)
        {
            return (null, Results.ValidationProblem(singleDocumentFields,
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "One or more fields are invalid"));
        }

        var documents = new List<IncomingDocument>(form.Files.Count);
        foreach (var file in form.Files)
        {
            string fileHash;
            await using (var bytes = file.OpenReadStream())
            {
                fileHash = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(bytes, cancellationToken));
            }

            await using var content = file.OpenReadStream();
            ExtractedDocument extracted;
            try
            {
                extracted = await extractor.ExtractAsync(content, file.FileName, file.ContentType, cancellationToken);
            }
            catch (UnsupportedDocumentTypeException unsupported)
            {
                return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported document type",
                    detail: unsupported.Message));
            }
            catch (Exception unreadable) when (unreadable is UnreadableDocumentException or DocumentTooLongException)
            {
                // The file is kept as a failed document with the reason, next to the upload's other files.
                documents.Add(new IncomingDocument(
                    fields with { Title = Truncate(fields.Title.Length > 0 ? fields.Title : file.FileName, 500), Text = "", Source = fields.Source ?? file.FileName },
                    DeclaredContentType: DeclaredWhenDifferent(file.ContentType, ""),
                    Failure: unreadable.Message) { FileHash = fileHash });
                continue;
            }

            // Title precedence: the form's title, the file's own (metadata or Title style), its first heading, its name.
            var title = fields.Title.Length > 0 ? fields.Title : extracted.Title ?? file.FileName;
            documents.Add(new IncomingDocument(
                fields with
                {
                    Title = Truncate(title, 500),
                    Text = extracted.Text,
                    Source = fields.Source ?? file.FileName,
                    // Kept in metadata too, where search filters can reach it (metadata.content_type).
                    Metadata = new Dictionary<string, JsonElement> { ["content_type"] = JsonSerializer.SerializeToElement(extracted.ContentType) },
                },
                extracted.Pages,
                extracted.ContentType,
                DeclaredWhenDifferent(file.ContentType, extracted.ContentType)) { FileHash = fileHash });
        }

        return (documents, null);
    }

    /// <summary>The declared content type (up to 200 characters) when its media type is not the one the file was read as.</summary>
    private static string? DeclaredWhenDifferent(string? declared, string detected)
    {
        var trimmed = declared?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        var mediaType = trimmed.Split(';', 2)[0].Trim();
        return mediaType.Equals(detected, StringComparison.OrdinalIgnoreCase) ? null : Truncate(trimmed, 200);
    }

    private static readonly string[] UploadFormFields = ["title", "external_id", "source", "tags", "created_at"];

    /// <summary>The optional form fields of an upload, applied to each file's document.</summary>
    private static (CreateDocumentRequest? Fields, IResult? Problem) FormFields(IFormCollection form)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var unknown in form.Keys.Where(key => !UploadFormFields.Contains(key)))
        {
            errors[unknown] = [$"Unknown form field. The fields are: {string.Join(", ", UploadFormFields)}, and the files."];
        }

        string? Text(string name, int maxLength)
        {
            var value = form[name].ToString().Trim();
            if (value.Length > maxLength)
            {
                errors[name] = [$"The {name} field must be at most {maxLength} characters."];
            }

            return value.Length == 0 ? null : value;
        }

        var title = Text("title", 500);
        var externalId = Text("external_id", 200);
        var source = Text("source", 2_000);
        var tags = form["tags"].SelectMany(t => (t ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (tags.Count > DocumentTagsAttribute.MaxTags || tags.Any(t => t.Length > 100))
        {
            errors["tags"] = [$"At most {DocumentTagsAttribute.MaxTags} tags of 1–100 characters."];
        }

        DateTimeOffset? createdAt = null;
        if (Text("created_at", 100) is { } created)
        {
            if (DateTimeOffset.TryParse(created, System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                createdAt = parsed;
            }
            else
            {
                errors["created_at"] = ["The created_at field must be an ISO 8601 date and time."];
            }
        }

        return errors.Count > 0
            ? (null, Results.ValidationProblem(errors, statusCode: StatusCodes.Status422UnprocessableEntity, title: "One or more fields are invalid"))
            : (new CreateDocumentRequest { Title = title ?? "", ExternalId = externalId, Source = source, Tags = tags.Count > 0 ? tags : null, CreatedAt = createdAt }, null);
    }

    private static ProblemHttpResult UploadTooLarge(long maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"The upload is larger than the limit of {maxBytes} bytes (setting Documents:MaxUploadBytes).");

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    public static async Task<Results<Ok<DocumentPage>, ProblemHttpResult>> ListDocumentsAsync(
        HttpRequest request, Caller caller, GroundworkDbContext db, CancellationToken cancellationToken, [Range(0, int.MaxValue)] int offset = 0, [Range(1, 100)] int limit = 20,
        string? status = null, [FromQuery(Name = "external_id")] string? externalId = null, string? title = null, string? tag = null,
        string? source = null, [FromQuery(Name = "created_from")] string? createdFrom = null, [FromQuery(Name = "created_to")] string? createdTo = null,
        [FromQuery(Name = "file_hash")] string? fileHash = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0)
        {
            errors["offset"] = ["offset must be 0 or more."];
        }

        if (limit is < 1 or > 100)
        {
            errors["limit"] = ["limit must be between 1 and 100."];
        }

        DocumentStatus? wantedStatus = null;
        if (status is not null)
        {
            // By name only: Enum.TryParse would also take "2".
            if (Enum.GetNames<DocumentStatus>().FirstOrDefault(name => name.Equals(status, StringComparison.OrdinalIgnoreCase)) is { } name)
            {
                wantedStatus = Enum.Parse<DocumentStatus>(name);
            }
            else
            {
                errors["status"] = ["status must be one of queued, processing, ready, failed."];
            }
        }

        var filters = ListFilters.Read(request.Query, title, tag, source, createdFrom, createdTo, errors);
        if (errors.Count > 0)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "One or more parameters are invalid",
                Detail = $"Invalid parameter(s): {string.Join(", ", errors.Keys)}.",
            });
        }

        var documents = filters.Apply(db, caller.TenantId);
        if (wantedStatus is { } wanted)
        {
            documents = documents.Where(d => d.Status == wanted);
        }

        if (externalId is not null)
        {
            documents = documents.Where(d => d.ExternalId == externalId);
        }

        if (fileHash is not null)
        {
            var wantedHash = fileHash.ToLowerInvariant();
            documents = documents.Where(d => d.FileHash == wantedHash);
        }

        var total = await documents.CountAsync(cancellationToken);
        var page = await documents.OrderByDescending(d => d.Sequence).Skip(offset).Take(limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new DocumentPage([.. page.Select(DocumentSummary.From)], total, offset, limit));
    }

    public static async Task<Results<Ok<DocumentSummary>, ProblemHttpResult>> GetDocumentAsync(
        long id, Caller caller, GroundworkDbContext db, CancellationToken cancellationToken)
    {
        // Another tenant's document is answered exactly as a missing one.
        var document = await db.Documents.AsNoTracking().FirstOrDefaultAsync(d => d.TenantId == caller.TenantId && d.Id == id, cancellationToken);
        return document is null ? NotFound(id) : TypedResults.Ok(DocumentSummary.From(document) with
        {
            Text = document.Text,
            Pages = document.PagesJson is { } pages
                ? [.. JsonSerializer.Deserialize<int[][]>(pages)!.Select(page => new DocumentPageSpan(page[0], page[1], page[2]))]
                : null,
        });
    }

    public static async Task<Results<Ok<DocumentChunks>, ProblemHttpResult>> GetChunksAsync(
        long id, Caller caller, GroundworkDbContext db, IEmbeddingGenerator<string, Embedding<float>> embedder, CancellationToken cancellationToken)
    {
        // Another tenant's document is answered exactly as a missing one.
        if (!await db.Documents.AnyAsync(d => d.TenantId == caller.TenantId && d.Id == id, cancellationToken))
        {
            return NotFound(id);
        }

        var chunks = await db.Chunks.AsNoTracking().Where(c => c.TenantId == caller.TenantId && c.DocumentId == id).OrderBy(c => c.Ordinal)
            .Select(c => new { c.Id, c.Ordinal, c.Text, c.StartOffset, c.EndOffset, c.PageStart, c.PageEnd, c.HeadingPath })
            .ToListAsync(cancellationToken);
        var countTokens = TokenCounting.For(embedder);
        return TypedResults.Ok(new DocumentChunks([.. chunks.Select(c =>
            new DocumentChunk(c.Id, c.Ordinal, c.Text, c.StartOffset, c.EndOffset, c.PageStart, c.PageEnd, c.HeadingPath, countTokens(c.Text)))]));
    }

    public static async Task<Ok<DocumentStats>> GetStatsAsync(
        Caller caller, GroundworkDbContext db, IRetrievalStore store, CancellationToken cancellationToken)
    {
        var counts = await db.Documents.Where(d => d.TenantId == caller.TenantId).GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
        var byStatus = Enum.GetValues<DocumentStatus>().ToDictionary(s => s, s => counts.GetValueOrDefault(s));
        return TypedResults.Ok(new DocumentStats(byStatus, await db.Chunks.LongCountAsync(c => c.TenantId == caller.TenantId, cancellationToken),
            await store.IndexedCountAsync(caller.TenantId, cancellationToken)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteDocumentAsync(
        long id, Caller caller, DocumentCatalog catalog, CancellationToken cancellationToken) =>
        await catalog.DeleteAsync(caller.TenantId, id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Document not found", detail: $"No document has id {id}.");
}
