using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Groundwork.Documents.Ingestion;

/// <summary>
/// The ingestion pipeline's spans (<see cref="Source"/>) and metrics: queue depth, documents and chunks completed,
/// documents failed and batches that failed (and were retried).
/// </summary>
/// <remarks>
/// The queue depth is kept in memory from the changes the pipeline sees (queued, ready, failed) rather than counted in
/// SQLite at each scrape; it is set to zero whenever the worker finds the queue empty, which corrects what it cannot
/// see (a queued document deleted, a version replaced before it was processed).
/// </remarks>
public sealed class IngestionMetrics
{
    public const string Name = "Groundwork.Ingestion";

    public static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _documentsCompleted;
    private readonly Counter<long> _chunksCompleted;
    private readonly Counter<long> _documentsFailed;
    private readonly Counter<long> _batchFailures;
    private long _queueDepth;

    public IngestionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        meter.CreateObservableGauge("groundwork.ingestion.queue_depth", () => Math.Max(0, Volatile.Read(ref _queueDepth)), "{document}",
            "Documents queued or being processed.");
        _documentsCompleted = meter.CreateCounter<long>("groundwork.ingestion.documents.completed", "{document}", "Documents indexed and ready.");
        _chunksCompleted = meter.CreateCounter<long>("groundwork.ingestion.chunks.completed", "{chunk}", "Chunks embedded and indexed.");
        _documentsFailed = meter.CreateCounter<long>("groundwork.ingestion.documents.failed", "{document}",
            "Documents given up on (no text, or embedding failed on every attempt).");
        _batchFailures = meter.CreateCounter<long>("groundwork.ingestion.batch.failures", "{batch}",
            "Batches whose processing failed; their documents are retried or failed.");
    }

    public void Queued(int documents) => Interlocked.Add(ref _queueDepth, documents);

    public void QueueEmpty() => Volatile.Write(ref _queueDepth, 0);

    public void Completed(int documents, int chunks)
    {
        Interlocked.Add(ref _queueDepth, -documents);
        _documentsCompleted.Add(documents);
        _chunksCompleted.Add(chunks);
    }

    public void Failed()
    {
        Interlocked.Decrement(ref _queueDepth);
        _documentsFailed.Add(1);
    }

    public void BatchFailed() => _batchFailures.Add(1);

    /// <summary>
    /// The span of one batch of claimed documents: a new trace (the worker serves many uploads), linked to the trace of
    /// each upload that queued one of them.
    /// </summary>
    public static Activity? StartBatch(IReadOnlyCollection<string?> traceParents)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var links = new List<ActivityLink>(traceParents.Count);
        foreach (var traceParent in traceParents.Distinct())
        {
            if (ActivityContext.TryParse(traceParent, traceState: null, out var upload))
            {
                links.Add(new ActivityLink(upload));
            }
        }

        // No parent: the worker runs outside any request.
        var activity = Source.StartActivity("ingestion batch", ActivityKind.Consumer, parentContext: default, links: links);
        activity?.SetTag("groundwork.ingestion.documents", traceParents.Count);
        return activity;
    }
}
