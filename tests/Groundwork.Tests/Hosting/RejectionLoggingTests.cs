using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Groundwork.Tests.Hosting;

/// <summary>A rejected request is the client's mistake: one Information line, never an error with a stack trace.</summary>
public sealed class RejectionLoggingTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new(new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware"] = "Information",
    });

    private readonly LogCollector _logs = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("""{"text":"a","text":1}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"text":"\ud800"}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"text":"a","max_tokens":5e0}""", HttpStatusCode.UnprocessableEntity)]
    public async Task ARejectedRequestIsOneInformationLine(string json, HttpStatusCode expected)
    {
        using var factory = _app.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(_logs)));
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/generate", new StringContent(json, Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        var rejection = Assert.Single(_logs.Entries, e => e.Category == "Groundwork.Hosting.RequestRejectedExceptionHandler");
        Assert.Equal(LogLevel.Information, rejection.Level);
        Assert.StartsWith("Rejected POST /generate: ", rejection.Message);
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null
            || e.Category.StartsWith("Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal));
    }

    private sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Collecting(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Collecting(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
