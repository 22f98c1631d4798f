using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Groundwork.Documents.Ingestion;

/// <summary>
/// In-process signals around the durable queue in SQLite: new work for the pipeline, and documents settling
/// (ready, failed or gone) for requests that wait. The queue itself is the <c>documents</c> table; nothing here
/// needs to survive a restart.
/// </summary>
public sealed class IngestionSignals
{
    private readonly Channel<bool> _work = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _settled = new();

    public void WorkQueued() => _work.Writer.TryWrite(true);

    /// <summary>Waits until work is queued or <paramref name="timeout"/> passes.</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _work.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// A task that completes when <paramref name="documentId"/> settles. Take it before reading the document's status,
    /// so a document that settles in between is not missed. Every document settles in the end (ready, failed or
    /// deleted), so an entry never outlives its document.
    /// </summary>
    public Task WhenSettled(long documentId) =>
        _settled.GetOrAdd(documentId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Settled(long documentId)
    {
        if (_settled.TryRemove(documentId, out var waiters))
        {
            waiters.TrySetResult();
        }
    }
}
