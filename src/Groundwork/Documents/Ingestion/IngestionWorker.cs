using System.Diagnostics;
using System.Text.Json;
using Groundwork.Documents.Extraction;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Groundwork.Documents.Ingestion;

/// <summary>
/// The ingestion pipeline: takes queued documents from SQLite in intake order, chunks them, embeds their chunks in shared
/// batches and, per document, commits its chunks and status <c>ready</c> in one transaction (removing the versions it
/// replaces in the same transaction) through the <see cref="IRetrievalStore"/>, which keeps its indexes in step.
/// Crash safety comes from that order: chunks exist only for ready documents, so a document interrupted anywhere
/// (even by SIGKILL) is simply still queued or processing; at start-up the processing ones are queued again.
/// </summary>
public sealed class IngestionWorker(
    IServiceScopeFactory scopes,
    Chunker chunker,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    IRetrievalStore store,
    IngestionSignals signals,
    IngestionMetrics metrics,
    IOptions<IngestionOptions> options,
    TimeProvider clock,
    DocumentChanges changes,
    ILogger<IngestionWorker> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Dictionary<long, int> _failedAttempts = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var requeued = await UpdateStatusAsync(DocumentStatus.Processing, DocumentStatus.Queued, stoppingToken);
        if (requeued > 0)
        {
            logger.LogWarning("Ingestion: {Count} documents were interrupted while processing; queued again", requeued);
        }

        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            List<(long Id, string? TraceParent)> claimed;
            try
            {
                claimed = await ClaimAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Ingestion: reading the queue failed");
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
                continue;
            }

            if (claimed.Count == 0)
            {
                await signals.WaitForWorkAsync(IdlePoll, stoppingToken);
                continue;
            }

            var ids = claimed.ConvertAll(c => c.Id);
            using var batch = IngestionMetrics.StartBatch(claimed.ConvertAll(c => c.TraceParent));
            try
            {
                await ProcessAsync(ids, stoppingToken);
                backoff = TimeSpan.Zero;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                batch?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
                metrics.BatchFailed();
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                await RecordFailureAsync(ids, exception, backoff);
                await Task.Delay(backoff, clock, stoppingToken);
            }
        }
    }

    private async Task<int> UpdateStatusAsync(DocumentStatus from, DocumentStatus to, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        return await db.Documents.Where(d => d.Status == from)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.Status, to).SetProperty(d => d.ChunksEmbedded, 0), cancellationToken);
    }

    private async Task<List<(long Id, string? TraceParent)>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var claimed = (await db.Documents.Where(d => d.Status == DocumentStatus.Queued).OrderBy(d => d.Sequence)
            .Select(d => new { d.Id, d.TraceParent }).Take(options.Value.DocumentsPerRound).ToListAsync(cancellationToken))
            .ConvertAll(d => (d.Id, d.TraceParent));
        var ids = claimed.ConvertAll(c => c.Id);
        if (ids.Count == 0)
        {
            metrics.QueueEmpty();
        }
        else
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Documents.Where(d => ids.Contains(d.Id) && d.Status == DocumentStatus.Queued).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, DocumentStatus.Processing)
                .SetProperty(d => d.UpdatedAt, now), cancellationToken);
        }

        return claimed;
    }

    private async Task ProcessAsync(List<long> documentIds, CancellationToken cancellationToken)
    {
        var work = new List<DocumentWork>(documentIds.Count);
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            var documents = await db.Documents.AsNoTracking().Where(d => documentIds.Contains(d.Id) && d.Status == DocumentStatus.Processing)
                .OrderBy(d => d.Sequence).Select(d => new { d.Id, d.TenantId, d.Sequence, d.Text, d.PagesJson, d.ExternalId }).ToListAsync(cancellationToken);
            // One transaction for the round: a commit is an fsync, and a round can be dozens of one-chunk documents.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var document in documents)
            {
                var pieces = chunker.Split(document.Text, Pages(document.PagesJson));
                work.Add(new DocumentWork(document.Id, document.TenantId, document.Sequence, document.ExternalId, pieces));
                await db.Documents.Where(d => d.Id == document.Id).ExecuteUpdateAsync(set => set
                    .SetProperty(d => d.ChunksTotal, pieces.Count)
                    .SetProperty(d => d.ChunksEmbedded, 0), cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var empty in work.Where(w => w.Pieces.Count == 0))
        {
            await FailAsync(empty.DocumentId, "The document has no text to index.");
        }

        var pending = work.Where(w => w.Pieces.Count > 0).SelectMany(w => w.Pieces.Select((_, i) => (Work: w, Index: i))).ToList();
        foreach (var batch in pending.Chunk(options.Value.EmbeddingBatchSize))
        {
            var embeddings = await embedder.GenerateAsync(batch.Select(p => p.Work.Pieces[p.Index].Text), cancellationToken: cancellationToken);
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i].Work.Vectors[batch[i].Index] = embeddings[i].Vector;
                batch[i].Work.Embedded++;
            }

            var touched = batch.Select(p => p.Work).Distinct().ToList();
            await CompleteAsync([.. touched.Where(w => w.Embedded == w.Pieces.Count)], cancellationToken);
            await ReportProgressAsync([.. touched.Where(w => w.Embedded < w.Pieces.Count)], cancellationToken);
        }
    }

    private async Task ReportProgressAsync(List<DocumentWork> unfinished, CancellationToken cancellationToken)
    {
        if (unfinished.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var work in unfinished)
        {
            await db.Documents.Where(d => d.Id == work.DocumentId).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.ChunksEmbedded, work.Embedded)
                .SetProperty(d => d.UpdatedAt, now), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Commits, in one transaction, each finished document's chunks, its ready status and the removal of the versions it
    /// replaces; then updates the index in one step. One transaction per batch rather than per document: with one-chunk
    /// documents the commits (each an fsync) would otherwise cost more than the embedding.
    /// </summary>
    private async Task CompleteAsync(List<DocumentWork> finished, CancellationToken cancellationToken)
    {
        if (finished.Count == 0)
        {
            return;
        }

        var completed = new List<(DocumentWork Work, List<ChunkEntity> Chunks)>(finished.Count);
        var replacedDocuments = new List<long>();
        var replacedChunks = new List<(long TenantId, IReadOnlyList<long> ChunkIds)>();
        var replacedByTenant = new List<(long TenantId, IReadOnlyList<long> DocumentIds)>();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            // Until the commit, the chunks added to the indexes (vector and keyword) exist only there: whatever fails
            // before it succeeds, from a later document's statements to the commit itself, takes them out again.
            try
            {
                foreach (var work in finished)
                {
                    var stillWanted = await db.Documents.Where(d => d.Id == work.DocumentId && d.Status == DocumentStatus.Processing)
                        .ExecuteUpdateAsync(set => set
                            .SetProperty(d => d.Status, DocumentStatus.Ready)
                            .SetProperty(d => d.ChunksEmbedded, work.Embedded)
                            .SetProperty(d => d.Error, (string?)null)
                            .SetProperty(d => d.UpdatedAt, now), cancellationToken);
                    if (stillWanted == 0)
                    {
                        // Deleted while it was being processed.
                        continue;
                    }

                    var chunks = work.Pieces.Select((piece, i) => new ChunkEntity
                    {
                        TenantId = work.TenantId,
                        DocumentId = work.DocumentId,
                        Ordinal = piece.Ordinal,
                        StartOffset = piece.Start,
                        EndOffset = piece.End,
                        PageStart = piece.PageStart,
                        PageEnd = piece.PageEnd,
                        Text = piece.Text,
                        HeadingPath = piece.HeadingPath,
                        Embedding = EmbeddingCodec.ToBytes(work.Vectors[i].Span),
                    }).ToList();
                    // Saved now (the transaction is still open), so that a later version in this batch can delete them.
                    // The store puts them in the tenant's indexes at once: searchable by meaning from the moment it reads ready.
                    try
                    {
                        await store.AddChunksAsync(db, work.TenantId, chunks, work.Vectors, cancellationToken);
                    }
                    finally
                    {
                        completed.Add((work, chunks));
                    }

                    if (work.ExternalId is not null)
                    {
                        // Older versions within the tenant only: another tenant's same external id is another document.
                        var older = await db.Documents
                            .Where(d => d.TenantId == work.TenantId && d.ExternalId == work.ExternalId && d.Sequence < work.Sequence)
                            .Select(d => d.Id).ToListAsync(cancellationToken);
                        if (older.Count > 0)
                        {
                            replacedChunks.Add((work.TenantId, await store.DeleteChunksOfAsync(db, work.TenantId, older, cancellationToken)));
                            await db.Documents.Where(d => d.TenantId == work.TenantId && older.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
                            replacedDocuments.AddRange(older);
                            replacedByTenant.Add((work.TenantId, older));
                        }
                    }
                }

                await transaction.CommitAsync(cancellationToken);
            }
            catch
            {
                foreach (var (work, chunks) in completed)
                {
                    await store.ForgetAsync(work.TenantId, [.. chunks.Select(c => c.Id)]);
                }

                throw;
            }
        }

        // Committed: the indexes must follow even when shutting down (otherwise only a rebuild would fix them).
        foreach (var tenantId in completed.Select(c => c.Work.TenantId).Distinct())
        {
            store.ChunksAdded(tenantId);
        }

        foreach (var (tenantId, chunkIds) in replacedChunks)
        {
            await store.ForgetAsync(tenantId, chunkIds);
        }

        foreach (var (tenantId, documentIds) in replacedByTenant)
        {
            await changes.ChangedAsync(tenantId, documentIds);
        }

        var added = completed.Sum(c => c.Chunks.Count);
        metrics.Completed(completed.Count, added);
        Activity.Current?.AddEvent(new ActivityEvent("documents ready", tags: new ActivityTagsCollection
        {
            ["groundwork.ingestion.documents"] = completed.Count, ["groundwork.ingestion.chunks"] = added,
        }));
        foreach (var work in finished)
        {
            _failedAttempts.Remove(work.DocumentId);
            signals.Settled(work.DocumentId);
        }

        foreach (var replaced in replacedDocuments)
        {
            signals.Settled(replaced);
        }

        logger.LogInformation("Ingestion: {Documents} documents ready ({Chunks} chunks){Replaced}", completed.Count, added,
            replacedDocuments.Count > 0 ? $"; replaced {string.Join(", ", replacedDocuments)}" : "");
    }

    /// <summary>Queues the unfinished documents again, or fails those that have used up their attempts.</summary>
    private async Task RecordFailureAsync(List<long> documentIds, Exception exception, TimeSpan retryIn)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var unfinished = await db.Documents.Where(d => documentIds.Contains(d.Id) && d.Status == DocumentStatus.Processing)
            .Select(d => d.Id).ToListAsync(CancellationToken.None);
        foreach (var documentId in unfinished)
        {
            var attempts = _failedAttempts[documentId] = _failedAttempts.GetValueOrDefault(documentId) + 1;
            if (attempts >= options.Value.MaxAttempts)
            {
                await FailAsync(documentId, $"Embedding failed {attempts} times; last error: {exception.Message}");
                continue;
            }

            await db.Documents.Where(d => d.Id == documentId && d.Status == DocumentStatus.Processing).ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, DocumentStatus.Queued)
                .SetProperty(d => d.ChunksEmbedded, 0)
                .SetProperty(d => d.Error, $"Attempt {attempts} of {options.Value.MaxAttempts} failed ({exception.Message}); retrying in {retryIn.TotalSeconds:0} s."),
                CancellationToken.None);
        }

        logger.LogWarning(exception, "Ingestion: processing documents {DocumentIds} failed; retrying in {Delay}", unfinished, retryIn);
    }

    private async Task FailAsync(long documentId, string reason)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        await db.Documents.Where(d => d.Id == documentId).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Status, DocumentStatus.Failed)
            .SetProperty(d => d.Error, reason)
            .SetProperty(d => d.UpdatedAt, clock.GetUtcNow().UtcDateTime), CancellationToken.None);
        _failedAttempts.Remove(documentId);
        metrics.Failed();
        signals.Settled(documentId);
        logger.LogWarning("Ingestion: document {DocumentId} failed: {Reason}", documentId, reason);
    }

    private static IReadOnlyList<PageSpan>? Pages(string? pagesJson) =>
        pagesJson is null ? null : [.. JsonSerializer.Deserialize<int[][]>(pagesJson)!.Select(p => new PageSpan(p[0], p[1], p[2]))];

    private sealed class DocumentWork(long documentId, long tenantId, long sequence, string? externalId, IReadOnlyList<TextChunk> pieces)
    {
        public long DocumentId { get; } = documentId;
        public long TenantId { get; } = tenantId;
        public long Sequence { get; } = sequence;
        public string? ExternalId { get; } = externalId;
        public IReadOnlyList<TextChunk> Pieces { get; } = pieces;
        public ReadOnlyMemory<float>[] Vectors { get; } = new ReadOnlyMemory<float>[pieces.Count];
        public int Embedded { get; set; }
    }
}
