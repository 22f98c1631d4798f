namespace Groundwork.FakeUpstream.Wire;

/// <summary>
/// Holds chat requests (not embeddings) while closed, so a test can have many calls in flight at once and decide when
/// they are answered; it counts the requests that arrive while closed, so the test knows when they are all held.
/// </summary>
internal sealed class ChatGate
{
    private readonly SemaphoreSlim _arrived = new(0);
    private volatile TaskCompletionSource? _closed;

    public void Close() => Interlocked.CompareExchange(ref _closed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    public void Open() => Interlocked.Exchange(ref _closed, null)?.TrySetResult();

    public async Task PassAsync(CancellationToken cancellationToken)
    {
        if (_closed is not { } closed)
        {
            return;
        }

        _arrived.Release();
        await closed.Task.WaitAsync(cancellationToken);
    }

    public async Task WaitForHeldAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await _arrived.WaitAsync(cancellationToken);
        }
    }
}
