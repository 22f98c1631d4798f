using System.Threading.Channels;
using Groundwork.Infrastructure;

namespace Groundwork.Usage;

/// <summary>
/// Writes usage records off the request path, many per transaction (one SQLite commit per model call would cap the
/// service's throughput at the disk's). <see cref="FlushAsync"/> waits until everything queued before it is written, so a
/// <c>GET /usage</c> sees every call answered before it.
/// </summary>
public sealed class UsageRecorder(IServiceScopeFactory scopes, ILogger<UsageRecorder> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    private readonly Channel<UsageRecordEntity> _queue = Channel.CreateBounded<UsageRecordEntity>(
        new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly Lock _progressLock = new();
    private readonly List<(long Sequence, TaskCompletionSource Done)> _waiters = [];
    private long _queued;
    private long _written;

    /// <summary>Queues the record; waits only while the queue is full. Not cancellable: a cancelled call is recorded too.</summary>
    public ValueTask RecordAsync(UsageRecordEntity record)
    {
        // Counted before it is queued, so a flush that starts after this call returns waits for this record.
        Interlocked.Increment(ref _queued);
        return _queue.Writer.WriteAsync(record, CancellationToken.None);
    }

    /// <summary>Completes when every record queued before the call has been written (or failed to be).</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _queued);
        lock (_progressLock)
        {
            if (_written >= target)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<UsageRecordEntity>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var record))
                {
                    batch.Add(record);
                }

                await WriteAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: what is still queued is written before the host goes.
        while (_queue.Reader.TryRead(out var record))
        {
            batch.Add(record);
        }

        await WriteAsync(batch, CancellationToken.None);
    }

    private async Task WriteAsync(List<UsageRecordEntity> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            db.UsageRecords.AddRange(batch);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Could not write {Count} usage records", batch.Count);
        }

        lock (_progressLock)
        {
            _written += batch.Count;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Sequence <= _written)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
