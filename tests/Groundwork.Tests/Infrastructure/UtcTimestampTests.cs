using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Groundwork.Tests.Infrastructure;

/// <summary>Every timestamp the API returns is ISO 8601 in UTC with its Z, whether just created or read back from SQLite.</summary>
public sealed partial class UtcTimestampTests : AppTest
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
    private static partial Regex UtcTimestamp();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UserCreatedAtIsUtcWhenCreatedAndWhenRead()
    {
        var created = await Client.PostAsJsonAsync("/users", new { email = "utc@example.com", name = "Utc" }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await AssertTimestampsAreUtcAsync(created, expected: 1);

        var read = await AssertTimestampsAreUtcAsync(await Client.GetAsync($"/users/{body.GetProperty("id").GetInt64()}", Cancellation), expected: 1);
        Assert.Equal(body.GetProperty("created_at").GetString(), read.GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task DocumentTimestampsAreUtcWhenCreatedAndWhenRead()
    {
        var queued = await Client.PostAsJsonAsync("/documents", new { title = "Queued", text = "Answered at once, indexed later." }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        await AssertTimestampsAreUtcAsync(queued, expected: 3);

        var ready = await Client.PostAsJsonAsync("/documents?wait=true",
            new { title = "Ready", text = "Written in another time zone.", created_at = "2024-03-01T12:00:00+02:00" }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Created, ready.StatusCode);
        var body = await AssertTimestampsAreUtcAsync(ready, expected: 3);
        Assert.Equal("2024-03-01T10:00:00Z", body.GetProperty("created_at").GetString());

        var read = await AssertTimestampsAreUtcAsync(await Client.GetAsync($"/documents/{body.GetProperty("id").GetInt64()}", Cancellation), expected: 3);
        Assert.Equal("2024-03-01T10:00:00Z", read.GetProperty("created_at").GetString());
        Assert.Equal(body.GetProperty("uploaded_at").GetString(), read.GetProperty("uploaded_at").GetString());

        await AssertTimestampsAreUtcAsync(await Client.GetAsync("/documents", Cancellation), expected: 6);
    }

    [Fact]
    public async Task UploadedFileTimestampsAreUtcWhenCreatedAndWhenRead()
    {
        using var form = new MultipartFormDataContent { { new StringContent("A note about helium."), "files", "note.txt" } };
        var uploaded = await Client.PostAsync("/documents?wait=true", form, Cancellation);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var body = await AssertTimestampsAreUtcAsync(uploaded, expected: 3);

        var id = body.GetProperty("documents")[0].GetProperty("id").GetInt64();
        await AssertTimestampsAreUtcAsync(await Client.GetAsync($"/documents/{id}", Cancellation), expected: 3);
    }

    /// <summary>Asserts the response succeeded and every <c>*_at</c> field in it (at least <paramref name="expected"/>) is UTC with a Z.</summary>
    private static async Task<JsonElement> AssertTimestampsAreUtcAsync(HttpResponseMessage response, int expected)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancellation)}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var timestamps = TimestampFields(body).ToList();
        Assert.True(timestamps.Count >= expected, $"Expected at least {expected} timestamps in {body}");
        Assert.All(timestamps, timestamp => Assert.Matches(UtcTimestamp(), timestamp));
        return body;
    }

    private static IEnumerable<string> TimestampFields(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(property =>
            property.Name.EndsWith("_at", StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String
                ? [property.Value.GetString()!]
                : TimestampFields(property.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(TimestampFields),
        _ => [],
    };
}
