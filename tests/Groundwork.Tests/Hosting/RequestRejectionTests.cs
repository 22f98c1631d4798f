using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Groundwork.Tests.Hosting;

/// <summary>
/// Bodies and parameters an attacker's fuzzer sent that once answered 500 or 502: each now gets the right 4xx with problem
/// details naming what was wrong, and no .NET type names.
/// </summary>
public sealed class RequestRejectionTests(RequestRejectionTests.App app) : IClassFixture<RequestRejectionTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public GroundworkApp Service { get; } = new(new Dictionary<string, string?> { ["Embeddings:MaxRequestTokens"] = "1000" });
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string contentType = "application/json")
    {
        using var client = app.Service.CreateClient();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await client.PostAsync(path, content, Cancellation);
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) => PostAsync(path, Encoding.UTF8.GetBytes(json));

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch(@"System\.|Microsoft\.|Exception|\.cs:line", text);
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    private static async Task<string[]> InvalidFieldsAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        return [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order()];
    }

    [Theory]
    [InlineData("""{"text":"a","text":1}""")]
    [InlineData("""{"text":"a","text":"b"}""")]
    [InlineData("""{"text":"a","model":"local","temperature":0.5,"temperature":0.5}""")]
    public async Task DuplicateKeysAreMalformedJson(string json)
    {
        var problem = await ProblemAsync(await PostAsync("/generate", json), HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task DuplicateKeysInsideAFilterAreMalformedJson()
    {
        await ProblemAsync(await PostAsync("/search", """{"query":"a","filter":{"source":"x","source":1}}"""), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/generate", """{"text":"\ud800"}""", "text")]
    [InlineData("/generate", """{"text":"\udc00\ud800","model":"local"}""", "text")]
    [InlineData("/search", """{"query":"a","filter":{"source":{"in":["ok","\udfff"]}}}""", "filter.source.in[1]")]
    [InlineData("/embeddings", """{"input":["fine","\ud83d"]}""", "input[1]")]
    [InlineData("/documents", """{"title":"t","text":"x","metadata":{"k":"\ud800"}}""", "metadata.k")]
    public async Task LoneSurrogateEscapesAreNamedAtTheirPath(string path, string json, string field)
    {
        Assert.Contains(field, await InvalidFieldsAsync(await PostAsync(path, json)));
    }

    [Theory]
    [InlineData("""{"query":"a","filter":{"metadata.\ud800":"x"}}""")]
    [InlineData("""{"query":"a","\udc00":1}""")]
    public async Task PropertyNamesWithLoneSurrogatesAreMalformedJson(string json)
    {
        await ProblemAsync(await PostAsync("/search", json), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task APairedSurrogateEscapeIsAccepted()
    {
        var response = await PostAsync("/embeddings", """{"input":"smile \ud83d\ude00"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/generate")]
    [InlineData("/embeddings")]
    [InlineData("/search")]
    [InlineData("/documents")]
    [InlineData("/users")]
    public async Task InvalidUtf8IsMalformed(string path)
    {
        byte[] body = [.. """{"text":"a"""u8, 0xFF, 0xFE, .. "\"}"u8];
        var problem = await ProblemAsync(await PostAsync(path, body), HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/search", """{"query":"a","top_k":5e0}""", "top_k")]
    [InlineData("/search", """{"query":"a","top_k":1.0}""", "top_k")]
    [InlineData("/search", """{"query":"a","top_k":1e2}""", "top_k")]
    [InlineData("/search", """{"query":"a","top_k":-0.0}""", "top_k")]
    [InlineData("/search", """{"query":"a","top_k":1e-400}""", "top_k")]
    [InlineData("/search", """{"query":"a","top_k":123456789012345678901234567890}""", "top_k")]
    [InlineData("/generate", """{"text":"a","max_tokens":5e0}""", "max_tokens")]
    [InlineData("/embeddings", """{"input":"a","dimensions":1e2}""", "dimensions")]
    [InlineData("/generate", """{"text":"a","temperature":1e400}""", "temperature")]
    public async Task NumbersThatAreNotIntegersOrInRangeAre422NamingTheField(string path, string json, string field)
    {
        Assert.Equal([field], await InvalidFieldsAsync(await PostAsync(path, json)));
    }

    [Fact]
    public async Task EveryWronglyTypedAndUnknownFieldIsNamedAtOnce()
    {
        var fields = await InvalidFieldsAsync(await PostAsync("/generate",
            """{"text":1,"model":null,"temperature":"hot","max_tokens":true,"max_token":5}"""));
        Assert.Equal(["max_token", "max_tokens", "model", "temperature", "text"], fields);
    }

    [Theory]
    [InlineData("/search", """{"query":"a","top_k":5,"limit":3}""", "limit")]
    [InlineData("/users", """{"email":"a@b.co","name":"n","admin":true}""", "admin")]
    [InlineData("/documents", """{"title":"t","text":"x","tag":"one"}""", "tag")]
    public async Task UnknownFieldsAreRejectedByName(string path, string json, string field)
    {
        Assert.Equal([field], await InvalidFieldsAsync(await PostAsync(path, json)));
    }

    [Fact]
    public async Task DeeplyNestedJsonIsMalformed()
    {
        var json = """{"query":"a","filter":""" + new string('[', 10_000) + new string(']', 10_000) + "}";
        var problem = await ProblemAsync(await PostAsync("/search", json), HttpStatusCode.BadRequest);
        Assert.Contains("depth", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"text":"a""")]
    [InlineData("")]
    [InlineData("{")]
    public async Task TruncatedBodiesAreMalformed(string json)
    {
        await ProblemAsync(await PostAsync("/generate", json), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ACharsetOtherThanUtf8Is415()
    {
        var response = await PostAsync("/generate", Encoding.Unicode.GetBytes("""{"text":"a"}"""), "application/json; charset=utf-16");
        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("limit=abc", "limit")]
    [InlineData("offset=99999999999999999999", "offset")]
    [InlineData("offset=-1", "offset")]
    [InlineData("limit=0", "limit")]
    [InlineData("status=2", "status")]
    [InlineData("status=Ready2", "status")]
    public async Task QueryParametersThatDoNotParseAreNamed(string query, string parameter)
    {
        using var client = app.Service.CreateClient();
        var fields = await InvalidFieldsAsync(await client.GetAsync($"/documents?{query}", Cancellation));
        Assert.Equal([parameter], fields);
    }

    [Fact]
    public async Task EmbeddingsOverTheTokenBudgetAre422NamingTheSetting()
    {
        var inputs = Enumerable.Range(0, 100).Select(i => $"sentence number {i} with a few more words to count").ToArray();
        var response = await PostAsync("/embeddings", JsonSerializer.Serialize(new { input = inputs }));
        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Embeddings:MaxRequestTokens", problem.GetProperty("errors").GetProperty("input")[0].GetString());
    }

    [Fact]
    public async Task EmbeddingsWithinTheTokenBudgetAreAnswered()
    {
        var inputs = Enumerable.Range(0, 20).Select(i => $"sentence number {i}").ToArray();
        var response = await PostAsync("/embeddings", JsonSerializer.Serialize(new { input = inputs }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhello\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=y", "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhello\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhello")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition form-data\r\n\r\nhello\r\n--x--\r\n")]
    public async Task MalformedMultipartIsABadRequest(string contentType, string body)
    {
        var response = await PostAsync("/documents", Encoding.UTF8.GetBytes(body), contentType);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity,
            $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancellation)}");
        await ProblemAsync(response, response.StatusCode);
    }

    [Fact]
    public async Task MoreFormFieldsThanTheFormReaderTakesIsABadRequest()
    {
        using var form = new MultipartFormDataContent();
        for (var i = 0; i < 1_100; i++)
        {
            form.Add(new StringContent("v"), $"field{i}");
        }
        form.Add(new ByteArrayContent("hello"u8.ToArray()), "files", "a.txt");
        using var client = app.Service.CreateClient();
        await ProblemAsync(await client.PostAsync("/documents", form, Cancellation), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MoreFilesThanTheLimitAre422NamingTheSetting()
    {
        using var form = new MultipartFormDataContent();
        for (var i = 0; i < 101; i++)
        {
            form.Add(new ByteArrayContent("hello"u8.ToArray()), "files", $"a{i}.txt");
        }
        using var client = app.Service.CreateClient();
        var problem = await ProblemAsync(await client.PostAsync("/documents", form, Cancellation), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Documents:MaxFilesPerUpload", problem.GetProperty("errors").GetProperty("files")[0].GetString());
    }

    [Fact]
    public async Task UnknownFormFieldsAreRejectedByName()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("x"), "titel" },
            { new ByteArrayContent("hello"u8.ToArray()), "files", "a.txt" },
        };
        using var client = app.Service.CreateClient();
        Assert.Equal(["titel"], await InvalidFieldsAsync(await client.PostAsync("/documents", form, Cancellation)));
    }
}
