using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Groundwork.Tests.Documents;

/// <summary>Documents stored before content hashes existed get theirs at start-up, so re-uploading one is a duplicate.</summary>
public sealed class ContentHashBackfillTests : DataFolderTest
{
    [Fact]
    public async Task ADocumentWithoutAHashGetsOneAtStartUpAndItsReuploadIsADuplicate()
    {
        const string text = "The harbour crane is greased every Friday by the dock crew.";
        long id;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            id = await app.AddDocumentAsync("Harbour", text);
        }

        // What the IngestionPipeline migration leaves in documents stored before it.
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder
                     {
                         DataSource = Path.Combine(DataPath, "groundwork.db"), Pooling = false,
                     }.ToString()))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE documents SET ContentHash = ''";
            Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            using var client = app.CreateClient();
            var response = await client.PostAsJsonAsync("/documents", new { title = "Harbour (again)", text }, GroundworkApp.Json,
                TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.True(body.GetProperty("duplicate").GetBoolean());
            Assert.Equal(id, body.GetProperty("id").GetInt64());
        }
    }
}
