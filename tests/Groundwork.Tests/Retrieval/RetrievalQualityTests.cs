using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>
/// Keyword-only, vector-only and hybrid search compared on a small committed question set
/// (Retrieval/RetrievalQuality.json): hybrid must be at least as good as the better of the two.
/// </summary>
public sealed class RetrievalQualityTests(ITestOutputHelper output)
{
    private sealed record Corpus(List<CorpusDocument> Documents, List<Question> Questions);
    private sealed record CorpusDocument(string Key, string Title, string Text);
    private sealed record Question(string Text, string Expected);

    [Fact]
    public async Task HybridIsAtLeastAsGoodAsTheBetterOfKeywordAndVector()
    {
        var corpus = JsonSerializer.Deserialize<Corpus>(
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Retrieval", "RetrievalQuality.json"), TestContext.Current.CancellationToken),
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        await using var app = new GroundworkApp();
        var ids = new Dictionary<long, string>();
        foreach (var document in corpus.Documents)
        {
            ids[await app.AddDocumentAsync(document.Title, document.Text)] = document.Key;
        }

        using var client = app.CreateClient();
        var scores = new Dictionary<string, double>();
        foreach (var mode in new[] { "keyword", "vector", "hybrid" })
        {
            double reciprocalRanks = 0;
            foreach (var question in corpus.Questions)
            {
                var response = await client.PostAsJsonAsync("/search", new { query = question.Text, mode, top_k = 5 }, GroundworkApp.Json,
                    TestContext.Current.CancellationToken);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
                var ranked = body.GetProperty("results").EnumerateArray().Select(r => ids[r.GetProperty("document_id").GetInt64()]).ToList();
                var rank = ranked.IndexOf(question.Expected);
                reciprocalRanks += rank < 0 ? 0 : 1.0 / (rank + 1);
            }

            scores[mode] = reciprocalRanks / corpus.Questions.Count;
            output.WriteLine($"{mode}: MRR@5 {scores[mode]:0.000}");
        }

        Assert.True(scores["hybrid"] >= Math.Max(scores["keyword"], scores["vector"]),
            $"hybrid {scores["hybrid"]:0.000}, keyword {scores["keyword"]:0.000}, vector {scores["vector"]:0.000}");
    }
}
