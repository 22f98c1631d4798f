using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using Groundwork.Embeddings;

namespace Groundwork.Tests.Embeddings;

/// <summary>POST /embeddings over real HTTP with the real local model.</summary>
public sealed class EmbeddingsApiTests(EmbeddingsApiTests.App app) : IClassFixture<EmbeddingsApiTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        // A budget that lets 2048 short texts through, so the count limit itself can be tested.
        public GroundworkApp Service { get; } = new(new Dictionary<string, string?> { ["Embeddings:MaxRequestTokens"] = "16384" });
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PostAsync(string json)
    {
        using var client = app.Service.CreateClient();
        return await client.PostAsync("/embeddings", new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
    }

    private async Task<JsonElement> EmbedAsync(object request)
    {
        var response = await PostAsync(JsonSerializer.Serialize(request, GroundworkApp.Json));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    private static float[] Vector(JsonElement item) =>
        [.. item.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())];

    private async Task AssertInvalidAsync(string json, string field)
    {
        var response = await PostAsync(json);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task SingleStringGivesOneUnitVectorOf384Dimensions()
    {
        var body = await EmbedAsync(new { input = "The reactor is cooled by liquid helium.", model = "all-MiniLM-L6-v2" });

        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal(LocalMiniLmEmbeddingGenerator.ModelId, body.GetProperty("model").GetString());
        var item = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        Assert.Equal(0, item.GetProperty("index").GetInt32());
        var vector = Vector(item);
        Assert.Equal(384, vector.Length);
        Assert.Equal(1f, TensorPrimitives.Norm<float>(vector), 1e-4f);
        var tokens = body.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
        Assert.True(tokens > 2);
        Assert.Equal(tokens, body.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task ArrayGivesOneVectorPerTextInInputOrder()
    {
        string[] texts = ["Cats purr when they are content.", "A", "Quarterly revenue grew by twelve percent over the previous year."];
        var body = await EmbedAsync(new { input = texts });

        var items = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], items.Select(i => i.GetProperty("index").GetInt32()).ToArray());
        using var generator = new LocalMiniLmEmbeddingGenerator();
        var expected = await generator.GenerateAsync(texts, cancellationToken: TestContext.Current.CancellationToken);
        for (var i = 0; i < texts.Length; i++)
        {
            var vector = Vector(items[i]);
            Assert.Equal(384, vector.Length);
            Assert.Equal(1f, TensorPrimitives.Norm<float>(vector), 1e-4f);
            Assert.Equal(1f, TensorPrimitives.CosineSimilarity(vector, expected[i].Vector.Span), 1e-5f);
        }
    }

    [Fact]
    public async Task VectorIsTheGeneratorsVector()
    {
        const string text = "Is it possible to embed sentences offline without a GPU?";
        var body = await EmbedAsync(new { input = text });

        using var generator = new LocalMiniLmEmbeddingGenerator();
        var expected = (await generator.GenerateAsync([text], cancellationToken: TestContext.Current.CancellationToken))[0].Vector.ToArray();
        var vector = Vector(body.GetProperty("data")[0]);
        for (var d = 0; d < expected.Length; d++)
        {
            Assert.Equal(expected[d], vector[d], 1e-6f);
        }
    }

    [Fact]
    public async Task Base64EncodingCarriesTheSameLittleEndianFloats()
    {
        const string text = "Base64 keeps the response small.";
        var asFloats = Vector((await EmbedAsync(new { input = text })).GetProperty("data")[0]);
        var encoded = (await EmbedAsync(new { input = text, encoding_format = "base64" })).GetProperty("data")[0].GetProperty("embedding").GetString()!;

        var bytes = Convert.FromBase64String(encoded);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal(asFloats, decoded);
    }

    [Theory]
    [InlineData("""{"input": ""}""")]
    [InlineData("""{"input": []}""")]
    [InlineData("""{"input": ["fine", ""]}""")]
    [InlineData("""{"input": ["fine", 3]}""")]
    [InlineData("""{"input": [[101, 2023]]}""")]
    [InlineData("""{"input": 42}""")]
    [InlineData("""{"input": {"text": "hello"}}""")]
    [InlineData("""{"input": null}""")]
    [InlineData("""{"model": "all-MiniLM-L6-v2"}""")]
    public async Task InvalidInputIsRejectedNamingInput(string json) => await AssertInvalidAsync(json, "input");

    [Fact]
    public async Task MoreThan2048TextsAreRejectedNamingInput() =>
        await AssertInvalidAsync(JsonSerializer.Serialize(new { input = Enumerable.Repeat("x", 2049) }), "input");

    [Fact]
    public async Task Exactly2048TextsAreAcceptedWhenTheTokenBudgetAllows()
    {
        var body = await EmbedAsync(new { input = Enumerable.Repeat("short text", 2048) });
        Assert.Equal(2048, body.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task AnotherModelIsRejectedNamingModel() =>
        await AssertInvalidAsync("""{"input": "hello", "model": "text-embedding-3-small"}""", "model");

    [Fact]
    public async Task AnotherVectorLengthIsRejectedNamingDimensions() =>
        await AssertInvalidAsync("""{"input": "hello", "dimensions": 256}""", "dimensions");

    [Fact]
    public async Task UnknownEncodingIsRejectedNamingEncodingFormat() =>
        await AssertInvalidAsync("""{"input": "hello", "encoding_format": "int8"}""", "encoding_format");

    [Fact]
    public async Task OpenApiDescribesInputAsAStringOrAnArrayOfStrings()
    {
        using var client = app.Service.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
        JsonElement Resolve(JsonElement schema) => schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : schema;

        var request = Resolve(document.GetProperty("paths").GetProperty("/embeddings").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Contains("input", request.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var input = Resolve(request.GetProperty("properties").GetProperty("input"));
        var shapes = input.GetProperty("oneOf").EnumerateArray().ToArray();
        Assert.Equal(["string", "array"], shapes.Select(s => s.GetProperty("type").GetString()).ToArray());
        Assert.Equal(2048, shapes[1].GetProperty("maxItems").GetInt32());
        Assert.Equal(["float", "base64"],
            request.GetProperty("properties").GetProperty("encoding_format").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToArray());
    }
}
