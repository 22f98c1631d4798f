using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Groundwork.Documents.Extraction;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        group.MapPost("", CreateDocumentAsync)
            .WithName("CreateDocument")
            .WithSummary("Add a text document: it is chunked, embedded and indexed before the answer")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        group.MapGet("", ListDocumentsAsync).WithName("ListDocuments").WithSummary("List documents, newest first");
        group.MapGet("/{id:long}", GetDocumentAsync).WithName("GetDocument").WithSummary("Get a document with its text");
        group.MapDelete("/{id:long}", DeleteDocumentAsync).WithName("DeleteDocument")
            .WithSummary("Delete a document and remove its chunks from the index");
        return group;
    }

    public static async Task<Created<DocumentSummary>> CreateDocumentAsync(
        ValidatedJson<CreateDocumentRequest> request, DocumentIngestor ingestor, CancellationToken cancellationToken)
    {
        var document = await ingestor.IngestAsync(request.Value, cancellationToken);
        return TypedResults.Created($"/documents/{document.Id}", ToSummary(document, document.Chunks.Count));
    }

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

    private static Dictionary<string, string> Metadata(DocumentEntity document) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(document.MetadataJson) ?? [];
}
