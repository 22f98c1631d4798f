using System.Text.Json;

namespace Groundwork.Tests.Documents;

/// <summary>SQLite is the source of truth: a missing or stale vector index is rebuilt from it at start-up.</summary>
public sealed class IndexPersistenceTests : DataFolderTest
{
    /// <summary>The default tenant's index (each tenant has its own file, named by its random id).</summary>
    private string IndexFile => Directory.GetFiles(DataPath, "vectors.usearch.t*").SingleOrDefault(f => !f.EndsWith(".json", StringComparison.Ordinal))
                                ?? Path.Combine(DataPath, "vectors.usearch.t-missing");

    private static long[] SourceIds(JsonElement answer) =>
        [.. answer.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("document_id").GetInt64())];

    [Fact]
    public async Task IndexIsSavedOnShutdownAndRebuiltWhenItsFileIsDeleted()
    {
        long lighthouse;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            lighthouse = await app.AddDocumentAsync("Lighthouse", "The lighthouse lamp is lit at dusk by the keeper, Mara Quell.");
            await app.AddDocumentAsync("Garden", "Tomatoes are planted in spring after the last frost.");
        }

        var indexFile = IndexFile;
        Assert.True(File.Exists(indexFile), "the index is saved when the service stops");
        File.Delete(indexFile);

        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            var answer = await app.GenerateAsync(new { text = "Who lights the lighthouse lamp?", model = "local" });
            Assert.Equal(lighthouse, SourceIds(answer)[0]);
            Assert.Contains("Mara Quell", answer.GetProperty("text").GetString());
        }

        Assert.True(File.Exists(indexFile), "the rebuilt index is saved again");
    }

    [Fact]
    public async Task TheGlobalIndexFromBeforeTenantsIsDeletedAtStartUp()
    {
        long lighthouse;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            lighthouse = await app.AddDocumentAsync("Lighthouse", "The lighthouse lamp is lit at dusk by the keeper, Mara Quell.");
        }

        // What an upgraded data folder still holds: the single index and its manifest (their content no longer matters).
        var global = Path.Combine(DataPath, "vectors.usearch");
        File.Copy(IndexFile, global);
        File.WriteAllText(global + ".manifest.json", "{}");

        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            var answer = await app.GenerateAsync(new { text = "Who lights the lighthouse lamp?", model = "local" });
            Assert.Equal(lighthouse, SourceIds(answer)[0]);
        }

        Assert.False(File.Exists(global));
        Assert.False(File.Exists(global + ".manifest.json"));
        Assert.True(File.Exists(IndexFile));
    }

    private static async Task<(long Chunks, long Indexed)> CountsAsync(GroundworkApp app)
    {
        using var client = app.CreateClient();
        var stats = JsonDocument.Parse(await client.GetStringAsync("/documents/stats", TestContext.Current.CancellationToken)).RootElement;
        return (stats.GetProperty("chunks").GetInt64(), stats.GetProperty("indexed_vectors").GetInt64());
    }

    private void CopyIndexFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "vectors.usearch*"))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    [Fact]
    public async Task IndexSavedBeforeADeletionIsRebuiltWithoutTheDeletedChunks()
    {
        var oldIndex = Path.Combine(DataPath, "old");
        long garden;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            garden = await app.AddDocumentAsync("Garden", "Tomatoes are planted in spring after the last frost.");
            await app.AddDocumentAsync("Observatory", "The observatory telescope has a mirror of 2.4 metres.");
        }

        CopyIndexFiles(DataPath, oldIndex);
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            using var client = app.CreateClient();
            await client.DeleteAsync($"/documents/{garden}", TestContext.Current.CancellationToken);
        }

        CopyIndexFiles(oldIndex, DataPath);
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            var (chunks, indexed) = await CountsAsync(app);
            Assert.Equal(chunks, indexed);
            var answer = await app.GenerateAsync(new { text = "When are tomatoes planted?", model = "local" });
            Assert.DoesNotContain(garden, SourceIds(answer));
        }
    }

    [Fact]
    public async Task StaleIndexFileIsRebuiltFromTheDatabase()
    {
        var staleCopy = Path.Combine(DataPath, "stale");
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            await app.AddDocumentAsync("Garden", "Tomatoes are planted in spring after the last frost.");
        }

        Directory.CreateDirectory(staleCopy);
        foreach (var file in Directory.GetFiles(DataPath, "vectors.usearch*"))
        {
            File.Copy(file, Path.Combine(staleCopy, Path.GetFileName(file)));
        }

        long observatory;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            observatory = await app.AddDocumentAsync("Observatory", "The observatory telescope has a mirror of 2.4 metres.");
        }

        // Put back the index saved before the observatory document existed.
        foreach (var file in Directory.GetFiles(staleCopy))
        {
            File.Copy(file, Path.Combine(DataPath, Path.GetFileName(file)), overwrite: true);
        }

        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            // Only chunks were added since the old save: the saved index is loaded and brought up to date.
            var (chunks, indexed) = await CountsAsync(app);
            Assert.Equal(chunks, indexed);
            var answer = await app.GenerateAsync(new { text = "How large is the observatory telescope mirror?", model = "local" });
            Assert.Equal(observatory, SourceIds(answer)[0]);
        }
    }
}
