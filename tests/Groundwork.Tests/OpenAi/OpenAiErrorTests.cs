using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Groundwork.OpenAi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using static Groundwork.Tests.OpenAi.OpenAiErrorAssertions;

namespace Groundwork.Tests.OpenAi;

/// <summary>Errors of the /v1 group in OpenAI's shape, whichever part of the service refuses the request; the rest of Groundwork keeps problem details.</summary>
public sealed class OpenAiErrorTests(OpenAiErrorTests.App app) : IClassFixture<OpenAiErrorTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public GroundworkApp Service { get; } = new();
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json")
    {
        using var client = app.Service.CreateClient();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await client.PostAsync(path, content, Ct);
    }

    [Fact]
    public async Task MalformedJsonIs400InvalidRequestError()
    {
        var error = await ErrorAsync(await PostAsync("/v1/embeddings", "{\"input\": \"unfinished"), HttpStatusCode.BadRequest, "invalid_request_error");

        Assert.Contains("not valid JSON", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }

    [Fact]
    public async Task InvalidFieldIs400NamingItAsParamNot422()
    {
        var error = await ErrorAsync(await PostAsync("/v1/embeddings", """{"input": "hello", "dimensions": 7}"""), HttpStatusCode.BadRequest,
            "invalid_request_error");

        Assert.Equal("dimensions", error.GetProperty("param").GetString());
        Assert.Contains("384", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task SeveralInvalidFieldsAreAllNamedInTheMessage()
    {
        var error = await ErrorAsync(await PostAsync("/v1/embeddings", """{"input": "hello", "dimensions": 7, "model": "no-such-embedder"}"""),
            HttpStatusCode.BadRequest, "invalid_request_error");

        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("dimensions", message);
        Assert.Contains("model", message);
        Assert.Contains(error.GetProperty("param").GetString(), new[] { "dimensions", "model" });
    }

    [Fact]
    public async Task BodyThatIsNotJsonIs415InvalidRequestError()
    {
        var error = await ErrorAsync(await PostAsync("/v1/embeddings", "hello", "text/plain"), HttpStatusCode.UnsupportedMediaType,
            "invalid_request_error");

        Assert.Contains("Unsupported Media Type", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task BodyOverTheLimitIs413InvalidRequestError()
    {
        var texts = Enumerable.Repeat(new string('a', 1000), 2200).ToArray();
        var response = await PostAsync("/v1/embeddings", JsonSerializer.Serialize(new { input = texts }));

        await ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "invalid_request_error");
    }

    [Fact]
    public async Task WrongKeyIs401AuthenticationErrorWithInvalidApiKeyAndABearerChallenge()
    {
        using var client = app.Service.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Groundwork.Auth.ApiKeyFormat.New());

        var response = await client.GetAsync("/v1/models", Ct);

        var error = await ErrorAsync(response, HttpStatusCode.Unauthorized, "authentication_error");
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPathWithoutAKeyIs401SoPathsCannotBeProbed()
    {
        using var client = app.Service.CreateClient();
        client.DefaultRequestHeaders.Authorization = null;

        await ErrorAsync(await client.GetAsync("/v1/no-such-endpoint", Ct), HttpStatusCode.Unauthorized, "authentication_error");
    }

    [Theory]
    [InlineData("GET", "/v1/no-such-endpoint")]
    [InlineData("POST", "/v1/chat/no-such-endpoint")]
    [InlineData("DELETE", "/v1/embeddings")]
    public async Task UnknownPathIs404NotFoundErrorAndWrongMethod405(string method, string path)
    {
        using var client = app.Service.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        var error = await ErrorAsync(response, method == "DELETE" ? HttpStatusCode.MethodNotAllowed : HttpStatusCode.NotFound,
            method == "DELETE" ? "invalid_request_error" : "not_found_error");
        Assert.Equal(method == "DELETE" ? null : "unknown_url", error.GetProperty("code").GetString());
        Assert.Contains($"{method} {path}", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnknownModelIs404ModelNotFound()
    {
        using var client = app.Service.CreateClient();

        var error = await ErrorAsync(await client.GetAsync("/v1/models/gpt-17", Ct), HttpStatusCode.NotFound, "not_found_error");

        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("gpt-17", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GroundworkEndpointsKeepProblemDetails()
    {
        var generate = await PostAsync("/generate", "{}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, generate.StatusCode);
        Assert.Equal("application/problem+json", generate.Content.Headers.ContentType?.MediaType);
        Assert.True((await generate.Content.ReadFromJsonAsync<JsonElement>(Ct)).TryGetProperty("errors", out _));

        var embeddings = await PostAsync("/embeddings", "{\"input\": \"unfinished");
        Assert.Equal(HttpStatusCode.BadRequest, embeddings.StatusCode);
        Assert.Equal("application/problem+json", embeddings.Content.Headers.ContentType?.MediaType);

        using var client = app.Service.CreateClient();
        var unknown = await client.GetAsync("/no-such-endpoint", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.NotEqual("application/json", unknown.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>
    /// No /v1 endpoint needs more than a reader's key, so a 403 cannot be reached over HTTP yet: the translation the
    /// writer applies to the authentication handler's 403 problem is checked directly.
    /// </summary>
    [Fact]
    public void ForbiddenProblemBecomesPermissionError()
    {
        var error = OpenAiErrorWriter.Translate(StatusCodes.Status403Forbidden,
            new ProblemDetails { Status = 403, Title = "Forbidden", Detail = "This API key's role does not allow this request." });

        Assert.Equal(new OpenAiError("This API key's role does not allow this request.", "permission_error", null, null), error);
    }

    [Fact]
    public void ServerFailureProblemBecomesApiError()
    {
        var error = OpenAiErrorWriter.Translate(StatusCodes.Status502BadGateway,
            new ProblemDetails { Status = 502, Title = "Bad gateway", Detail = "The provider failed." });

        Assert.Equal("api_error", error.Type);
        Assert.Equal("The provider failed.", error.Message);
    }
}
