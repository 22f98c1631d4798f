using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task LiveAnswersOkOnceTheServiceRuns()
    {
        await using var app = new GroundworkApp();
        using var client = app.CreateClient();
        var response = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReadyReportsDatabaseIndexAndEmbeddingModel()
    {
        await using var app = new GroundworkApp();
        using var client = app.CreateClient();
        await app.AddDocumentAsync("Readiness", "A document so that the index has something to load.");
        var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        var checks = report.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order().ToArray();
        Assert.Equal(["database", "embedding_model", "vector_index"], checks);
    }
}
