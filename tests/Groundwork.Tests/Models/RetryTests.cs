using System.Net;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Models;

/// <summary>Retries at the same target before falling back: jittered back-off, and the provider's Retry-After honoured.</summary>
public sealed class RetryTests(RetryTests.RetryFixture fixture) : IClassFixture<RetryTests.RetryFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await fixture.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task AServerErrorIsRetriedAtTheSameTargetBeforeAnyFallback()
    {
        fixture.Primary.Options.Fault = FakeFault.Status(500).ForNext(1);

        await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.OK);

        Assert.Equal(2, fixture.Calls(fixture.Primary, RoutingFixture.ChatPath));
        Assert.Equal(0, fixture.Calls(fixture.Backup, RoutingFixture.MessagesPath));
    }

    [Fact]
    public async Task ARetryWaitsForTheProvidersRetryAfter()
    {
        fixture.Primary.Options.Fault = FakeFault.RateLimited(retryAfterSeconds: 1).ForNext(1);

        await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.OK);

        var attempts = fixture.Primary.Requests.Where(r => r.Path == RoutingFixture.ChatPath).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.True(attempts[1].ReceivedAt - attempts[0].ReceivedAt >= TimeSpan.FromMilliseconds(950),
            $"retried after {(attempts[1].ReceivedAt - attempts[0].ReceivedAt).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task ATimeoutIsNotRetriedAtTheSameTargetButFallsBack()
    {
        fixture.Primary.Options.Fault = FakeFault.Hang();

        await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.OK);

        Assert.Equal(1, fixture.Calls(fixture.Primary, RoutingFixture.ChatPath));
        Assert.Equal(1, fixture.Calls(fixture.Backup, RoutingFixture.MessagesPath));
    }

    public sealed class RetryFixture : RoutingFixture
    {
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["Resilience:MaxRetries"] = "2";
            settings["Resilience:RetryDelayMs"] = "1";
        }
    }
}
