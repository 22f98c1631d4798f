using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>
/// One handbook among a hundred near-identical notes that all rank above it: a filter on the handbook must still
/// fill top_k with its chunks, which only happens when the filter is applied inside the search.
/// </summary>
public abstract class FilteredTopKFixture(IDictionary<string, string?>? settings) : IAsyncLifetime
{
    public const string Query = "vacation policy calendar";
    private const int Notes = 100;

    public GroundworkApp App { get; } = new(settings);

    public long Handbook { get; private set; }

    public async ValueTask InitializeAsync()
    {
        for (var i = 0; i < Notes; i++)
        {
            await App.AddDocumentAsync(new
            {
                title = $"Vacation note {i}",
                text = $"Vacation policy: staff member {i} books vacation days in the vacation calendar.",
                source = "intranet",
                tags = new[] { "note" },
            });
        }

        var sections = Enumerable.Range(1, 40).Select(section =>
            $"Section {section} of the handbook covers the vacation rules of team {section}, with its desk plan, parking spaces, " +
            $"meeting rooms and the contact for question number {section * 7}.");
        Handbook = await App.AddDocumentAsync(new
        {
            title = "Team handbook",
            text = string.Join(" ", sections),
            source = "handbook.pdf",
            tags = new[] { "handbook" },
            metadata = new { pages = 12 },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed class DefaultSettingsFixture() : FilteredTopKFixture(null);

/// <summary>Every filtered vector search goes to the graph's filtered search first, however few chunks match.</summary>
public sealed class GraphFirstFixture() : FilteredTopKFixture(new Dictionary<string, string?> { ["Search:ExactSearchMaxChunks"] = "0" });

public abstract class FilteredTopKTests(FilteredTopKFixture fixture)
{
    protected async Task<long[]> SearchAsync(string mode, object? filter)
    {
        using var client = fixture.App.CreateClient();
        var response = await client.PostAsJsonAsync("/search", new { query = FilteredTopKFixture.Query, mode, top_k = 3, filter },
            GroundworkApp.Json, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("document_id").GetInt64())];
    }

    protected async Task AssertTopKIsFilledWithTheHandbookAsync(string mode)
    {
        using (var client = fixture.App.CreateClient())
        {
            var handbook = await client.GetFromJsonAsync<JsonElement>($"/documents/{fixture.Handbook}", TestContext.Current.CancellationToken);
            Assert.True(handbook.GetProperty("chunk_count").GetInt32() >= 3);
        }

        Assert.DoesNotContain(fixture.Handbook, await SearchAsync(mode, filter: null));

        var found = await SearchAsync(mode, JsonDocument.Parse("""{"source": "handbook.pdf"}""").RootElement);

        Assert.Equal([fixture.Handbook, fixture.Handbook, fixture.Handbook], found);
    }
}

public sealed class FilteredTopKWithDefaultSettingsTests(DefaultSettingsFixture fixture)
    : FilteredTopKTests(fixture), IClassFixture<DefaultSettingsFixture>
{
    [Theory]
    [InlineData("vector")]
    [InlineData("keyword")]
    [InlineData("hybrid")]
    public Task OneMatchingDocumentAmongManyFillsTopKWithItsChunks(string mode) => AssertTopKIsFilledWithTheHandbookAsync(mode);
}

public sealed class FilteredTopKThroughTheGraphTests(GraphFirstFixture fixture)
    : FilteredTopKTests(fixture), IClassFixture<GraphFirstFixture>
{
    [Theory]
    [InlineData("vector")]
    [InlineData("hybrid")]
    public Task OneMatchingDocumentAmongManyFillsTopKWithItsChunks(string mode) => AssertTopKIsFilledWithTheHandbookAsync(mode);
}
