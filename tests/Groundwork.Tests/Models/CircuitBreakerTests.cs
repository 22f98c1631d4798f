using System.Net;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Groundwork.Tests.Models;

/// <summary>A circuit that opens after failures: its target is skipped without a call, then probed again once its break is over.</summary>
public sealed class CircuitBreakerTests : IAsyncLifetime
{
    private readonly BreakerFixture _fixture = new();

    public ValueTask InitializeAsync() => _fixture.InitializeAsync();

    public ValueTask DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task AfterTwoFailuresThePrimaryIsSkippedWithoutACallThenProbedAfterTheBreak()
    {
        var token = TestContext.Current.CancellationToken;
        _fixture.Primary.Options.Fault = FakeFault.Status(500);
        for (var i = 0; i < 2; i++)
        {
            await RoutingFixture.BodyAsync(await _fixture.GenerateAsync("chain", token), HttpStatusCode.OK);
        }

        Assert.Equal(2, _fixture.Calls(_fixture.Primary, RoutingFixture.ChatPath));
        _fixture.Primary.Options.Fault = null;

        // Open: the primary is not called, the backup answers.
        await RoutingFixture.BodyAsync(await _fixture.GenerateAsync("chain", token), HttpStatusCode.OK);
        Assert.Equal(2, _fixture.Calls(_fixture.Primary, RoutingFixture.ChatPath));
        Assert.Equal(3, _fixture.Calls(_fixture.Backup, RoutingFixture.MessagesPath));

        // With only an open circuit left, the answer is 503 with the time the break has left.
        var alone = await _fixture.GenerateAsync("primary-only", token);
        await RoutingFixture.BodyAsync(alone, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(alone.Headers.RetryAfter?.Delta);

        // After the break one call probes the primary, which answers, and the circuit closes.
        _fixture.Clock.Advance(TimeSpan.FromSeconds(31));
        await RoutingFixture.BodyAsync(await _fixture.GenerateAsync("chain", token), HttpStatusCode.OK);
        await RoutingFixture.BodyAsync(await _fixture.GenerateAsync("chain", token), HttpStatusCode.OK);
        Assert.Equal(4, _fixture.Calls(_fixture.Primary, RoutingFixture.ChatPath));
        Assert.Equal(3, _fixture.Calls(_fixture.Backup, RoutingFixture.MessagesPath));
    }

    private sealed class BreakerFixture : RoutingFixture
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["Resilience:BreakerMinimumThroughput"] = "2";
            settings["Resilience:BreakerFailureRatio"] = "0.5";
            settings["Resilience:BreakerSamplingSeconds"] = "60";
            settings["Resilience:BreakerBreakSeconds"] = "30";
            // The same target (same pipeline key is per model, so share the primary through a chain of one).
            settings["Models:primary-only:Targets:0:Provider"] = "primary";
            settings["Models:primary-only:Targets:0:UpstreamModel"] = "gpt-4o";
        }

        protected override GroundworkApp CreateApp(Dictionary<string, string?> settings) =>
            new(settings, configureServices: services => services.AddSingleton<TimeProvider>(Clock));
    }
}
