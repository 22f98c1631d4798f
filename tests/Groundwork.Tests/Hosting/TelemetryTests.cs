using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Groundwork.Tests.Hosting;

/// <summary>
/// Every OpenTelemetry provider in the process listens to every activity source and meter of that name, whichever
/// host created it: these tests run alone so that no other test's spans and instruments reach theirs.
/// </summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

[Collection(nameof(TelemetryCollection))]
public sealed class TelemetryTests
{
    private const string Question = "Where do new employees collect their laptop on the first morning?";
    private const string HandbookText =
        "New employees receive their laptop from the Orion help desk on the first morning. " +
        "The help desk is on the third floor next to the library.";

    [Fact]
    public async Task MetricsAfterTrafficHaveRequestIngestionIndexTokenAndGenAiSeries()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var app = new GroundworkApp();
        await app.AddDocumentAsync("Employee handbook", HandbookText);
        await app.GenerateAsync(new { text = Question, model = "local" });

        using var client = app.CreateClient();
        var response = await client.GetAsync("/metrics", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync(cancellationToken));

        Assert.True(metrics.Value("http_server_request_duration_seconds_count", "http_route=\"/generate/\"", "http_response_status_code=\"200\"") >= 1);
        Assert.True(metrics.Value("http_server_request_duration_seconds_count", "http_route=\"/documents/\"", "http_response_status_code=\"201\"") >= 1);
        Assert.Equal(1, metrics.Value("groundwork_ingestion_documents_completed_total"));
        Assert.True(metrics.Value("groundwork_ingestion_chunks_completed_total") >= 1);
        Assert.Equal(0, metrics.Value("groundwork_ingestion_queue_depth"));
        Assert.Equal(0, metrics.ValueOrNull("groundwork_ingestion_documents_failed_total") ?? 0);
        Assert.Equal(metrics.Value("groundwork_ingestion_chunks_completed_total"), metrics.Value("groundwork_retrieval_indexed_chunks"));
        Assert.True(metrics.Value("groundwork_usage_tokens_total", "model=\"local\"", "kind=\"prompt\"") > 0);
        Assert.True(metrics.Value("groundwork_usage_tokens_total", "model=\"local\"", "kind=\"completion\"") > 0);
        Assert.True(metrics.Value("gen_ai_client_operation_duration_seconds_count", "otel_scope_name=\"Groundwork.Models\"") >= 1);
        Assert.True(metrics.Value("gen_ai_client_operation_duration_seconds_count", "otel_scope_name=\"Groundwork.Embeddings\"") >= 2);
        Assert.True(metrics.Value("gen_ai_client_token_usage_count", "otel_scope_name=\"Groundwork.Models\"") >= 1);
        Assert.Contains(metrics.Names, name => name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Lines, line => !line.StartsWith('#') && line.Contains("tenant", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task MetricsNeedAnOperatorKeyUnlessAnonymousMetricsIsSet()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using (var app = new GroundworkApp())
        {
            using var anonymous = app.CreateClient();
            anonymous.DefaultRequestHeaders.Authorization = null;
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics", cancellationToken)).StatusCode);
            using var admin = await app.CreateTenantClientAsync("admin");
            Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.GetAsync("/metrics", cancellationToken)).StatusCode);
        }

        await using (var app = new GroundworkApp(new Dictionary<string, string?> { ["Telemetry:AnonymousMetrics"] = "true" }))
        {
            using var anonymous = app.CreateClient();
            anonymous.DefaultRequestHeaders.Authorization = null;
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics", cancellationToken)).StatusCode);
        }
    }

    [Fact]
    public async Task DisabledTelemetryServesNoMetrics()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["Telemetry:Enabled"] = "false" });
        using var client = app.CreateClient();

        var response = await client.GetAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task OneGenerateIsOneTraceWithEmbeddingSearchAndModelSpansUnderItsServerSpan()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var upstream = await FakeUpstreamServer.StartAsync(cancellationToken: cancellationToken);
        var spans = new SpanRecorder();
        var generated = spans.WhenEnded(span => span.Kind == ActivityKind.Server && span.DisplayName.TrimEnd('/') == "POST /generate");
        await using var app = new GroundworkApp(GroundworkApp.UpstreamSettings(upstream), configureServices: spans.AddTo);
        await app.AddDocumentAsync("Employee handbook", HandbookText);

        await app.GenerateAsync(new { text = Question, model = "gpt-4" });

        var server = await generated.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var trace = spans.Exported.Where(span => span.TraceId == server.TraceId).ToList();
        Assert.Equal(default, server.ParentSpanId);
        Assert.Equal(ActivityKind.Server, server.Kind);
        var children = trace.Where(span => span.ParentSpanId == server.SpanId).ToList();
        Assert.Contains(children, span => span.Source.Name == "Groundwork.Embeddings" && span.DisplayName.StartsWith("embeddings", StringComparison.Ordinal));
        var vector = Assert.Single(children, span => span.Source.Name == "Groundwork.Retrieval" && span.DisplayName == "vector_search");
        var keyword = Assert.Single(children, span => span.Source.Name == "Groundwork.Retrieval" && span.DisplayName == "keyword_search");
        Assert.Equal("hybrid", vector.GetTagItem("groundwork.search.mode"));
        Assert.True((int)vector.GetTagItem("groundwork.search.results")! >= 1);
        Assert.True((int)keyword.GetTagItem("groundwork.search.top_k")! >= 1);
        var chat = Assert.Single(children, span => span.Source.Name == "Groundwork.Models");
        Assert.StartsWith("chat", chat.DisplayName);
        Assert.Equal("gpt-4o", chat.GetTagItem("gen_ai.request.model"));
        Assert.Contains(trace, span => span.Kind == ActivityKind.Client && span.Source.Name == "System.Net.Http" && span.ParentSpanId == chat.SpanId);

        Assert.DoesNotContain(trace.SelectMany(Attributes), value => value.Contains("laptop", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task IngestionBatchSpanLinksToTheUploadThatQueuedTheDocument()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var spans = new SpanRecorder();
        var uploaded = spans.WhenEnded(span => span.Kind == ActivityKind.Server && span.DisplayName.TrimEnd('/') == "POST /documents");
        var ingested = spans.WhenEnded(span => span.Source.Name == "Groundwork.Ingestion");
        await using var app = new GroundworkApp(configureServices: spans.AddTo);

        await app.AddDocumentAsync("Employee handbook", HandbookText);

        var upload = await uploaded.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var batch = await ingested.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Assert.NotEqual(upload.TraceId, batch.TraceId);
        var link = Assert.Single(batch.Links);
        Assert.Equal(upload.TraceId, link.Context.TraceId);
        Assert.Equal(upload.SpanId, link.Context.SpanId);
        Assert.Contains(spans.Exported, span => span.Source.Name == "Groundwork.Embeddings" && span.ParentSpanId == batch.SpanId);
        Assert.DoesNotContain(spans.Exported.Where(span => span.TraceId == batch.TraceId).SelectMany(Attributes),
            value => value.Contains("laptop", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task RecordContentPutsTheSearchQueryIntoTheSearchSpans()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var spans = new SpanRecorder();
        var generated = spans.WhenEnded(span => span.Kind == ActivityKind.Server && span.DisplayName.TrimEnd('/') == "POST /generate");
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["Telemetry:RecordContent"] = "true" }, configureServices: spans.AddTo);
        await app.AddDocumentAsync("Employee handbook", HandbookText);

        await app.GenerateAsync(new { text = Question, model = "local" });

        var server = await generated.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var searches = spans.Exported.Where(span => span.TraceId == server.TraceId && span.Source.Name == "Groundwork.Retrieval").ToList();
        Assert.Equal(2, searches.Count);
        Assert.All(searches, span => Assert.Equal(Question, span.GetTagItem("groundwork.search.query")));
    }

    private static IEnumerable<string> Attributes(Activity span) =>
        span.TagObjects.Select(tag => Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")
            .Concat(span.Events.SelectMany(e => e.Tags.Select(tag => Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")))
            .Append(span.DisplayName);

    /// <summary>The in-memory exporter, and a way to wait for a span to end instead of sleeping.</summary>
    private sealed class SpanRecorder
    {
        private readonly List<(Func<Activity, bool> Match, TaskCompletionSource<Activity> Ended)> _waiters = [];

        public List<Activity> Exported { get; } = [];

        public Task<Activity> WhenEnded(Func<Activity, bool> match)
        {
            var ended = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiters)
            {
                _waiters.Add((match, ended));
            }

            return ended.Task;
        }

        public void AddTo(IServiceCollection services) =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Exported).AddProcessor(new Signal(this)));

        private sealed class Signal(SpanRecorder recorder) : BaseProcessor<Activity>
        {
            // After the exporter's processor: a span that completes a wait is already in Exported.
            public override void OnEnd(Activity data)
            {
                lock (recorder._waiters)
                {
                    foreach (var (match, ended) in recorder._waiters.Where(w => w.Match(data)))
                    {
                        ended.TrySetResult(data);
                    }
                }
            }
        }
    }

    /// <summary>Prometheus' text format, read as far as these tests need: <c>name{labels} value [timestamp]</c> lines.</summary>
    private sealed class PrometheusText
    {
        private readonly List<(string Name, string Labels, double Value)> _series = [];

        private PrometheusText(string text)
        {
            Lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in Lines.Where(line => !line.StartsWith('#')))
            {
                var brace = line.IndexOf('{');
                var close = line.LastIndexOf('}');
                var name = brace < 0 ? line[..line.IndexOf(' ')] : line[..brace];
                var labels = brace < 0 ? "" : line[(brace + 1)..close];
                var rest = (brace < 0 ? line[name.Length..] : line[(close + 1)..]).Trim().Split(' ');
                _series.Add((name, labels, double.Parse(rest[0], CultureInfo.InvariantCulture)));
            }
        }

        public string[] Lines { get; }

        public IEnumerable<string> Names => _series.Select(s => s.Name).Distinct();

        public static PrometheusText Parse(string text) => new(text);

        /// <summary>The sum over the series of <paramref name="name"/> that have every one of <paramref name="labels"/>.</summary>
        public double Value(string name, params string[] labels) =>
            ValueOrNull(name, labels) ?? throw new Xunit.Sdk.XunitException($"No series {name} with {string.Join(", ", labels)} in:\n{string.Join('\n', Lines)}");

        public double? ValueOrNull(string name, params string[] labels)
        {
            var matching = _series.Where(s => s.Name == name && labels.All(label => s.Labels.Contains(label, StringComparison.Ordinal))).ToList();
            return matching.Count == 0 ? null : matching.Sum(s => s.Value);
        }
    }
}
