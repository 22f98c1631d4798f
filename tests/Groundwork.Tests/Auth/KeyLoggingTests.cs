using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Groundwork.Tests.Auth;

/// <summary>Keys never reach the logs: not on success, not when refused, not when made. Everything down to Trace is read.</summary>
public sealed class KeyLoggingTests
{
    [Fact]
    public async Task NoKeyAppearsInAnyLogLine()
    {
        var lines = new ConcurrentQueue<string>();
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" });
        using var factory = app.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(new Collector(lines))));
        var cancellation = TestContext.Current.CancellationToken;
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", app.OperatorKey);

        var operatorId = (await client.GetFromJsonAsync<JsonElement>("/me", cancellation)).GetProperty("user").GetProperty("id").GetInt64();
        var made = await (await client.PostAsJsonAsync($"/users/{operatorId}/keys", new { name = "logged?" }, GroundworkApp.Json, cancellation))
            .Content.ReadFromJsonAsync<JsonElement>(cancellation);
        var newKey = made.GetProperty("key").GetString()!;
        var unknown = Groundwork.Auth.ApiKeyFormat.New();
        foreach (var sent in new[] { newKey, unknown, newKey + "!", $"{unknown[..20]}\u00e9{unknown[21..]}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = JsonContent.Create(new { text = "x", model = "local" }) };
            request.Headers.Remove("Authorization");
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {sent}");
            using var anonymous = factory.CreateClient();
            var response = await anonymous.SendAsync(request, cancellation);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"{response.StatusCode}");
        }

        Assert.NotEmpty(lines);
        foreach (var secret in new[] { app.OperatorKey, newKey, unknown })
        {
            // Past the prefix (gw_ and 8 characters), which identifies a key in listings and may be logged.
            Assert.DoesNotContain(lines, line => line.Contains(secret[11..], StringComparison.Ordinal));
        }
    }

    private sealed class Collector(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {exception}");
        }
    }
}
