using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Groundwork.Tests.Documents;

/// <summary>
/// <c>Documents:MaxUploadBytes</c> bounds JSON and multipart uploads alike, whatever the body's framing, and
/// <c>Extraction:MaxCharacters</c> a JSON document's text as it does a file's.
/// </summary>
public sealed class UploadLimitTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new(new Dictionary<string, string?>
    {
        ["Documents:MaxUploadBytes"] = "4096",
        ["Extraction:MaxCharacters"] = "1000",
    });
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _app.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains("4096", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task FileOverTheConfiguredLimitIs413EvenWithoutAContentLength()
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string('a', 3_000) + " " + new string('b', 3_000))));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "files", "big.txt");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/documents") { Content = form };
        request.Headers.TransferEncodingChunked = true;

        await AssertTooLargeAsync(await _client.SendAsync(request, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task JsonOverTheConfiguredLimitIs413AndASmallOneIsAccepted()
    {
        await AssertTooLargeAsync(await _client.PostAsJsonAsync("/documents", new { title = "Big", text = new string('x', 5_000) },
            TestContext.Current.CancellationToken));

        var small = await _client.PostAsJsonAsync("/documents", new { title = "Small", text = "A short note." }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
    }

    [Fact]
    public async Task JsonTextOverTheCharacterLimitIsInvalidNamingTheSetting()
    {
        var response = await _client.PostAsJsonAsync("/documents", new { title = "Long", text = new string('x', 1_001) },
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains("at most 1,000 characters (setting Extraction:MaxCharacters)", problem.GetProperty("errors").GetRawText());
    }

    [Fact]
    public async Task FileOverTheCharacterLimitIsKeptAsFailedNamingTheSetting()
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Join(' ', Enumerable.Repeat("word", 300))));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "files", "long.txt");

        var response = await _client.PostAsync("/documents", form, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var document = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("documents")[0];
        Assert.Equal("failed", document.GetProperty("status").GetString());
        Assert.Equal("'long.txt' has more than 1,000 characters of text (setting Extraction:MaxCharacters).", document.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("Extraction:MaxDepth", "0")]
    [InlineData("Extraction:TimeoutSeconds", "0")]
    [InlineData("Extraction:MaxConcurrent", "0")]
    public async Task ExtractionLimitOutOfRangeFailsAtStartUpNamingIt(string setting, string value)
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { [setting] = value });

        var exception = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains(setting.Split(':')[1], exception.ToString());
    }
}
