using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Groundwork.Documents.Extraction;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Documents.Ingestion;

/// <summary>
/// A document to accept: the request (an upload's fields and extracted text), the pages of its text, the type an
/// uploaded file was read as and, when it differs, the type its client declared. An uploaded file that could not be
/// read has no text but a <paramref name="Failure"/>: it is kept as a <c>failed</c> document with that reason.
/// </summary>
public sealed record IncomingDocument(
    CreateDocumentRequest Request, IReadOnlyList<PageSpan>? Pages = null, string? ContentType = null, string? DeclaredContentType = null,
    string? Failure = null)
{
    /// <summary>SHA-256 (lower-case hex) of the uploaded file's bytes; null for JSON text.</summary>
    public string? FileHash { get; init; }
}

/// <summary>An accepted document, or the kept document it duplicates.</summary>
public sealed record AcceptedDocument(DocumentEntity Document, bool Duplicate);

/// <summary>
/// Takes documents into the durable queue and removes them. A document is acknowledged only once its row (text,
/// metadata, status <c>queued</c>) is committed to SQLite; the <see cref="IngestionWorker"/> does the rest.
/// </summary>
public sealed class DocumentCatalog(
    GroundworkDbContext db,
    IngestionSignals signals,
    IRetrievalStore chunks,
    IngestionMetrics metrics,
    TimeProvider clock,
    DocumentChanges changes,
    ILogger<DocumentCatalog> logger)
{
    // One process owns the database, so one lock makes "is it a duplicate? if not, queue it" atomic.
    private static readonly SemaphoreSlim IntakeLock = new(1, 1);

    /// <summary>
    /// Queues the documents, in order, in one transaction: all are acknowledged or none. A document whose text and
    /// external id match a kept document of the same tenant (the newest one for that external id, not failed) is not
    /// queued again; that document is returned instead. Other tenants' documents are never looked at: the same content
    /// in two tenants is two documents. A document with a failure is stored <c>failed</c>, never as a duplicate.
    /// </summary>
    public async Task<IReadOnlyList<AcceptedDocument>> AcceptAsync(
        long tenantId, IReadOnlyList<IncomingDocument> documents, CancellationToken cancellationToken)
    {
        var accepted = new List<AcceptedDocument>(documents.Count);
        var queued = new List<DocumentEntity>();
        var traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } upload ? upload.Id : null;
        await IntakeLock.WaitAsync(cancellationToken);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // The intake order, global but never shown: under the lock, so no two documents share a place.
            var sequence = await db.Documents.MaxAsync(d => (long?)d.Sequence, cancellationToken) ?? 0;
            foreach (var incoming in documents)
            {
                var (request, pages, contentType, declaredContentType, failure) = incoming;
                var hash = ContentHash(request.Text);
                if (failure is null && await KeptDocumentAsync(tenantId, request.ExternalId, hash, queued, cancellationToken) is { } kept)
                {
                    // The same text from other bytes (or a document kept before file hashes were): the kept document
                    // takes the newest file's hash, so a client comparing hashes skips that file next time.
                    if (incoming.FileHash is { } fileHash && kept.FileHash != fileHash)
                    {
                        if (!queued.Contains(kept))
                        {
                            await db.Documents.Where(d => d.Id == kept.Id)
                                .ExecuteUpdateAsync(set => set.SetProperty(d => d.FileHash, fileHash), cancellationToken);
                        }

                        kept.FileHash = fileHash;
                    }

                    accepted.Add(new AcceptedDocument(kept, Duplicate: true));
                    continue;
                }

                var now = clock.GetUtcNow().UtcDateTime;
                var document = new DocumentEntity
                {
                    TenantId = tenantId,
                    Sequence = ++sequence,
                    Title = request.Title,
                    Text = request.Text,
                    MetadataJson = JsonSerializer.Serialize(request.Metadata ?? []),
                    TagsJson = JsonSerializer.Serialize(request.Tags?.Distinct(StringComparer.Ordinal) ?? []),
                    Source = request.Source,
                    ContentType = contentType,
                    DeclaredContentType = declaredContentType,
                    ExternalId = request.ExternalId,
                    ContentHash = hash,
                    FileHash = incoming.FileHash,
                    PagesJson = pages is { Count: > 0 } ? JsonSerializer.Serialize(pages.Select(p => new[] { p.PageNumber, p.Start, p.End })) : null,
                    Status = failure is null ? DocumentStatus.Queued : DocumentStatus.Failed,
                    Error = failure,
                    ReplacesId = failure is null ? await CurrentVersionIdAsync(tenantId, request.ExternalId, queued, cancellationToken) : null,
                    CreatedAt = request.CreatedAt?.UtcDateTime ?? now,
                    UploadedAt = now,
                    UpdatedAt = now,
                    TraceParent = failure is null ? traceParent : null,
                };
                db.Documents.Add(document);
                if (failure is null)
                {
                    queued.Add(document);
                }

                accepted.Add(new AcceptedDocument(document, Duplicate: false));
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            IntakeLock.Release();
        }

        if (queued.Count > 0)
        {
            metrics.Queued(queued.Count);
            signals.WorkQueued();
        }

        foreach (var failed in accepted.Select(a => a.Document).Where(d => d.Status == DocumentStatus.Failed && !queued.Contains(d)))
        {
            logger.LogInformation("Document {DocumentId} kept as failed: {Reason}", failed.Id, failed.Error);
        }

        return accepted;
    }

    public static string ContentHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private async Task<DocumentEntity?> KeptDocumentAsync(long tenantId, string? externalId, string hash, List<DocumentEntity> queuedNow,
        CancellationToken cancellationToken)
    {
        // The newest version of this external id (or, without one, any document) decides what a duplicate is:
        // re-sending an older version's content after a newer one is a new version again, not a duplicate.
        if (queuedNow.LastOrDefault(d => d.ExternalId == externalId && (externalId is not null || d.ContentHash == hash)) is { } earlier)
        {
            return earlier.ContentHash == hash ? earlier : null;
        }

        var candidates = db.Documents.AsNoTracking().Where(d => d.TenantId == tenantId && d.Status != DocumentStatus.Failed);
        if (externalId is null)
        {
            return await candidates.Where(d => d.ExternalId == null && d.ContentHash == hash).OrderBy(d => d.Sequence).FirstOrDefaultAsync(cancellationToken);
        }

        var newest = await candidates.Where(d => d.ExternalId == externalId).OrderByDescending(d => d.Sequence).FirstOrDefaultAsync(cancellationToken);
        return newest?.ContentHash == hash ? newest : null;
    }

    private async Task<long?> CurrentVersionIdAsync(long tenantId, string? externalId, List<DocumentEntity> queuedNow, CancellationToken cancellationToken)
    {
        if (externalId is null)
        {
            return null;
        }

        if (queuedNow.Any(d => d.ExternalId == externalId))
        {
            // Ids of the rows queued in this transaction are not known yet; the worker replaces every older version anyway.
            return null;
        }

        return await db.Documents.Where(d => d.TenantId == tenantId && d.ExternalId == externalId && d.Status != DocumentStatus.Failed)
            .OrderByDescending(d => d.Sequence).Select(d => (long?)d.Id).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes a tenant's document in any state, with its chunks; a document being processed is dropped by the pipeline.
    /// False when the tenant has no such document, whether or not another tenant has.
    /// </summary>
    public async Task<bool> DeleteAsync(long tenantId, long documentId, CancellationToken cancellationToken)
    {
        IReadOnlyList<long> chunkIds;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            chunkIds = await chunks.DeleteChunksOfAsync(db, tenantId, [documentId], cancellationToken);
            if (await db.Documents.Where(d => d.TenantId == tenantId && d.Id == documentId).ExecuteDeleteAsync(cancellationToken) == 0)
            {
                return false;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await chunks.ForgetAsync(tenantId, chunkIds);
        await changes.ChangedAsync(tenantId, [documentId]);
        signals.Settled(documentId);
        return true;
    }
}
