using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Groundwork.Tests.Generation;

/// <summary>Every rule of the post's GenerateRequest at its boundaries, answered over real HTTP.</summary>
public sealed class GenerateValidationTests(GenerateValidationTests.App app) : IClassFixture<GenerateValidationTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public GroundworkApp Service { get; } = new();
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PostAsync(string json, string contentType = "application/json")
    {
        using var client = app.Service.CreateClient();
        return await client.PostAsync("/generate", new StringContent(json, Encoding.UTF8, contentType), TestContext.Current.CancellationToken);
    }

    private static string Body(object request) => JsonSerializer.Serialize(request, GroundworkApp.Json);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task AssertInvalidFieldsAsync(HttpResponseMessage response, params string[] fields)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(fields.Order().ToArray(), errors);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public async Task GenerateAcceptsTextAtTheLengthLimits(int length)
    {
        var response = await PostAsync(Body(new { text = new string('a', length), model = "local" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task GenerateRejectsTextOutsideTheLengthLimits(int length) =>
        await AssertInvalidFieldsAsync(await PostAsync(Body(new { text = new string('a', length), model = "local" })), "text");

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.0)]
    public async Task GenerateAcceptsTemperatureAtTheLimits(double temperature)
    {
        var response = await PostAsync(Body(new { text = "hello", model = "local", temperature }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("2.0001")]
    [InlineData("-0.0001")]
    public async Task GenerateRejectsTemperatureOutsideZeroToTwo(string temperature) =>
        await AssertInvalidFieldsAsync(await PostAsync($$"""{"text":"hello","model":"local","temperature":{{temperature}}}"""), "temperature");

    [Theory]
    [InlineData(1)]
    [InlineData(8192)]
    public async Task GenerateAcceptsMaxTokensAtTheLimits(int maxTokens)
    {
        var response = await PostAsync(Body(new { text = "hello", model = "local", max_tokens = maxTokens }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8193)]
    public async Task GenerateRejectsMaxTokensOutsideOneTo8192(int maxTokens) =>
        await AssertInvalidFieldsAsync(await PostAsync(Body(new { text = "hello", model = "local", max_tokens = maxTokens })), "max_tokens");

    [Fact]
    public async Task GenerateRejectsAnUnknownModelNamingTheConfiguredOnes()
    {
        var response = await PostAsync(Body(new { text = "hello", model = "gpt-5-turbo-ultra" }));
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var message = problem.GetProperty("errors").GetProperty("model")[0].GetString()!;
        Assert.Contains("gpt-4", message);
        Assert.Contains("claude-3", message);
        Assert.Contains("local", message);
    }

    [Fact]
    public async Task GenerateNamesEveryInvalidFieldAtOnce() =>
        await AssertInvalidFieldsAsync(
            await PostAsync(Body(new { text = "", model = "nope", temperature = 3, max_tokens = 0 })),
            "text", "model", "temperature", "max_tokens");

    [Theory]
    [InlineData("""{"text":"hello","model":"local","temperature":"hot"}""", "temperature")]
    [InlineData("""{"text":"hello","model":"local","max_tokens":1.5}""", "max_tokens")]
    [InlineData("""{"text":"hello","model":"local","max_tokens":"10"}""", "max_tokens")]
    [InlineData("""{"text":42,"model":"local"}""", "text")]
    [InlineData("""{"text":null,"model":"local"}""", "text")]
    [InlineData("""{"text":"hello","model":["local"]}""", "model")]
    [InlineData("""{"text":"hello","model":"local","temperature":null}""", "temperature")]
    public async Task GenerateAnswersWrongJsonTypesAsInvalidFields(string json, string field) =>
        await AssertInvalidFieldsAsync(await PostAsync(json), field);

    [Fact]
    public async Task GenerateRequiresText() =>
        await AssertInvalidFieldsAsync(await PostAsync("""{"model":"local"}"""), "text");

    [Fact]
    public async Task GenerateRejectsABodyThatIsNotAnObject() =>
        await AssertInvalidFieldsAsync(await PostAsync("""["hello"]"""), "$");

    [Theory]
    [InlineData("{\"text\": \"hello\"")]
    [InlineData("{text: hello}")]
    [InlineData("")]
    public async Task GenerateAnswersMalformedJsonWithBadRequest(string json) =>
        await ProblemAsync(await PostAsync(json), HttpStatusCode.BadRequest);

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task GenerateRejectsNonJsonContentTypes(string contentType) =>
        await ProblemAsync(await PostAsync(Body(new { text = "hello", model = "local" }), contentType), HttpStatusCode.UnsupportedMediaType);

    [Fact]
    public async Task GenerateRejectsBodiesAboveTheLimit()
    {
        var padding = new string(' ', 300 * 1024);
        var problem = await ProblemAsync(await PostAsync($$"""{"text":"hello",{{padding}}"model":"local"}"""), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("262144", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task GenerateRejectsOversizeBodiesSentWithoutContentLength()
    {
        using var client = app.Service.CreateClient();
        var padding = new string(' ', 300 * 1024);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"text":"hello",{{padding}}"model":"local"}""")));
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentLength = null;
        var response = await client.PostAsync("/generate", content, TestContext.Current.CancellationToken);
        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task GenerateAppliesThePostsDefaults()
    {
        // With no model given the default is gpt-4, whose provider is not configured here: the answer names the setting.
        var problem = await ProblemAsync(await PostAsync("""{"text":"hello"}"""), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("OPENAI_API_KEY", problem.GetProperty("detail").GetString());
    }
}
