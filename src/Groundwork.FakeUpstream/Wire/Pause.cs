using System.Diagnostics;

namespace Groundwork.FakeUpstream.Wire;

internal static class Pause
{
    /// <summary>
    /// Waits at least <paramref name="milliseconds"/> by the high-resolution clock: timers run on a coarse
    /// tick and may fire a few milliseconds early, which would break "elapsed ≥ latency" assertions.
    /// </summary>
    public static Task AtLeastAsync(int milliseconds, CancellationToken cancellationToken) =>
        milliseconds <= 0 ? Task.CompletedTask : WaitAsync(milliseconds, cancellationToken);

    private static async Task WaitAsync(int milliseconds, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var target = TimeSpan.FromMilliseconds(milliseconds);
        for (var left = target; left > TimeSpan.Zero; left = target - Stopwatch.GetElapsedTime(start))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), cancellationToken);
        }
    }
}
