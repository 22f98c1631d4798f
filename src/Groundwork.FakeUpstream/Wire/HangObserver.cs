namespace Groundwork.FakeUpstream.Wire;

/// <summary>Counts hanging requests that ended because their client went away, so tests can see cancellation arrive.</summary>
internal sealed class HangObserver
{
    private readonly SemaphoreSlim _abandoned = new(0);

    public void ClientDisconnected() => _abandoned.Release();

    public Task WaitForClientDisconnectAsync(CancellationToken cancellationToken) => _abandoned.WaitAsync(cancellationToken);
}
