using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Groundwork.Documents.Extraction;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
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
    public const int MaxTextCharacters = 2_000_000;
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    public static IHostApplicationBuilder AddDocuments(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ChunkingOptions>(ChunkingOptions.Section);
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<ChunkingOptions>>().Value;
            var embedder = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            return new Chunker(options, TokenCounting.For(embedder));
        });
        builder.Services.AddScoped<DocumentIngestor>();
        builder.Services.AddSingleton<DocumentTextExtractor>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static RouteGroupBuilder MapDocumentsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/documents").WithTags("Documents");
        group.MapPost("", CreateDocumentsAsync)
            .WithName("CreateDocuments")
            .WithSummary("Add documents: JSON text, or files (text, Markdown, HTML, PDF, DOCX) as multipart/form-data")
            .WithDescription("Each document is chunked, embedded and indexed before the answer. For an upload, every file is read " +
                             "before any is stored: an unsupported file (415) or an unreadable one (422) rejects the whole upload.")
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
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .DisableAntiforgery();
        group.MapGet("", ListDocumentsAsync).WithName("ListDocuments").WithSummary("List documents, newest first");
        group.MapGet("/{id:long}", GetDocumentAsync).WithName("GetDocument").WithSummary("Get a document with its text");
        group.MapDelete("/{id:long}", DeleteDocumentAsync).WithName("DeleteDocument")
            .WithSummary("Delete a document and remove its chunks from the index");
        return group;
    }

    public static async Task<Results<Created<DocumentSummary>, Created<UploadedDocuments>, ProblemHttpResult>> CreateDocumentsAsync(
        HttpRequest request, JsonRequestReader reader, DocumentTextExtractor extractor, DocumentIngestor ingestor,
        CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            return await UploadFilesAsync(request, extractor, ingestor, cancellationToken);
        }

        var body = await reader.ReadAsync<CreateDocumentRequest>(request.HttpContext, MaxBodyBytes);
        var document = await ingestor.IngestAsync(body, cancellationToken);
        return TypedResults.Created($"/documents/{document.Id}", ToSummary(document, document.Chunks.Count));
    }

    private static async Task<Results<Created<DocumentSummary>, Created<UploadedDocuments>, ProblemHttpResult>> UploadFilesAsync(
        HttpRequest request, DocumentTextExtractor extractor, DocumentIngestor ingestor, CancellationToken cancellationToken)
    {
        var form = await request.ReadFormAsync(cancellationToken);
        if (form.Files.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "No files",
                detail: "Send one or more files as multipart/form-data parts.");
        }

        var extracted = new List<(IFormFile File, ExtractedDocument Document)>(form.Files.Count);
        foreach (var file in form.Files)
        {
            await using var content = file.OpenReadStream();
            try
            {
                extracted.Add((file, await extractor.ExtractAsync(content, file.FileName, file.ContentType, cancellationToken)));
            }
            catch (UnsupportedDocumentTypeException unsupported)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported document type",
                    detail: unsupported.Message);
            }
            catch (UnreadableDocumentException unreadable)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unreadable document",
                    detail: unreadable.Message);
            }

            if (extracted[^1].Document.Text.Length > MaxTextCharacters)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Document too long",
                    detail: $"'{file.FileName}' has more than {MaxTextCharacters} characters of text.");
            }
        }

        var stored = new List<DocumentSummary>(extracted.Count);
        foreach (var (file, document) in extracted)
        {
            var entity = await ingestor.IngestAsync(new CreateDocumentRequest
            {
                Title = Truncate(document.Title ?? file.FileName, 500),
                Text = document.Text,
                Source = file.FileName,
                Metadata = new Dictionary<string, JsonElement> { ["content_type"] = JsonSerializer.SerializeToElement(file.ContentType ?? "") },
            }, cancellationToken);
            stored.Add(ToSummary(entity, entity.Chunks.Count));
        }

        return TypedResults.Created("/documents", new UploadedDocuments(stored));
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    public static async Task<Results<Ok<DocumentPage>, ProblemHttpResult>> ListDocumentsAsync(
        GroundworkDbContext db, CancellationToken cancellationToken, [Range(0, int.MaxValue)] int offset = 0, [Range(1, 100)] int limit = 20)
    {
        if (offset < 0 || limit is < 1 or > 100)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Invalid paging",
                detail: "offset must be ≥ 0 and limit between 1 and 100.");
        }

        var total = await db.Documents.CountAsync(cancellationToken);
        var rows = await db.Documents.AsNoTracking()
            .OrderByDescending(d => d.Id).Skip(offset).Take(limit)
            .Select(d => new { Document = d, ChunkCount = d.Chunks.Count })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new DocumentPage([.. rows.Select(r => ToSummary(r.Document, r.ChunkCount))], total, offset, limit));
    }

    public static async Task<Results<Ok<DocumentDetails>, ProblemHttpResult>> GetDocumentAsync(
        long id, GroundworkDbContext db, CancellationToken cancellationToken)
    {
        var row = await db.Documents.AsNoTracking().Where(d => d.Id == id)
            .Select(d => new { Document = d, ChunkCount = d.Chunks.Count })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return NotFound(id);
        }

        var document = row.Document;
        return TypedResults.Ok(new DocumentDetails(document.Id, document.Title, document.Text, row.ChunkCount,
            Metadata(document), document.CreatedAt));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteDocumentAsync(
        long id, DocumentIngestor ingestor, CancellationToken cancellationToken) =>
        await ingestor.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Document not found", detail: $"No document has id {id}.");

    private static DocumentSummary ToSummary(DocumentEntity document, int chunkCount) =>
        new(document.Id, document.Title, chunkCount, Metadata(document), document.CreatedAt);

    private static Dictionary<string, JsonElement> Metadata(DocumentEntity document) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(document.MetadataJson) ?? [];
}
