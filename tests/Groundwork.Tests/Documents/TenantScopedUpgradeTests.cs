using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Documents;

/// <summary>A database from before retrieval was scoped by tenant (one FTS5 table, no intake order) upgrades at start-up.</summary>
public sealed class TenantScopedUpgradeTests : DataFolderTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADatabaseWithOneKeywordTableForEveryoneIsSearchableByWordsAfterTheUpgrade()
    {
        long manual;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            manual = await app.AddDocumentAsync(new { title = "Manual", text = "The zorblax valve is opened with a brass key.", external_id = "manual" });
            await app.AddDocumentAsync("Garden", "Tomatoes are planted in spring after the last frost.");
        }

        // Back to the Tenants migration: the global chunks_fts with its triggers, no Sequence column; and no per-tenant table.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataPath, "groundwork.db"), Pooling = false }.ToString();
        await using (var db = new GroundworkDbContext(new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite(connectionString).Options))
        {
            await db.GetService<IMigrator>().MigrateAsync("Tenants", Ct);
            var perTenant = await db.Database.SqlQueryRaw<string>(
                "SELECT name AS Value FROM sqlite_master WHERE type = 'table' AND name GLOB 'chunk_words_[0-9]*' AND name NOT GLOB '*_*_*_*'").ToListAsync(Ct);
            foreach (var table in perTenant)
            {
                var drop = "DROP TABLE " + table;
                await db.Database.ExecuteSqlRawAsync(drop, Ct);
            }

            Assert.NotEmpty(perTenant);
            Assert.Equal(1, await db.Database.SqlQueryRaw<long>("SELECT count(*) AS Value FROM sqlite_master WHERE name = 'chunks_fts'").SingleAsync(Ct));
        }

        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            using var client = app.CreateClient();
            var response = await client.PostAsJsonAsync("/search", new { query = "zorblax", mode = "keyword" }, GroundworkApp.Json, Ct);
            var results = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("results");
            Assert.Equal(manual, Assert.Single(results.EnumerateArray()).GetProperty("document_id").GetInt64());

            // The old rows' intake order is their old id: a new version of the external id still replaces the old one.
            var next = await app.AddDocumentAsync(new { title = "Manual", text = "The zorblax valve is now opened by hand.", external_id = "manual" });
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/documents/{manual}", Ct)).StatusCode);
            var listed = await client.GetFromJsonAsync<JsonElement>("/documents", GroundworkApp.Json, Ct);
            Assert.Equal(next, listed.GetProperty("items")[0].GetProperty("id").GetInt64());
        }
    }

    [Fact]
    public async Task KeywordTablesKeyedByChunkIdAreReplacedByTablesKeyedByIntakeOrder()
    {
        long second;
        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            await app.AddDocumentAsync("Manual", "The zorblax valve is opened with a brass key.");
            second = await app.AddDocumentAsync("Log", "The zorblax valve was greased in May.");
        }

        // Back to before keyword rows: the tenant's table as that layout made it, keyed by the random chunk ids.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataPath, "groundwork.db"), Pooling = false }.ToString();
        await using (var db = new GroundworkDbContext(new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite(connectionString).Options))
        {
            var tenant = await db.Chunks.Select(c => c.TenantId).FirstAsync(Ct);
            var drop = "DROP TABLE chunk_words_" + tenant;
            await db.Database.ExecuteSqlRawAsync(drop, Ct);
            await db.GetService<IMigrator>().MigrateAsync("AuditLog", Ct);
            var legacy = "chunks_fts_" + tenant;
            var create = $"CREATE VIRTUAL TABLE {legacy} USING fts5(Text, content='chunks', content_rowid='Id', tokenize='porter unicode61 remove_diacritics 2');" +
                         $"INSERT INTO {legacy}(rowid, Text) SELECT Id, Text FROM chunks;";
            await db.Database.ExecuteSqlRawAsync(create, Ct);
        }

        await using (var app = new GroundworkApp(dataPath: DataPath))
        {
            using var client = app.CreateClient();
            var third = await app.AddDocumentAsync("Note", "A spare zorblax valve is in the store.");

            using var scope = app.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            Assert.Equal(0, await db.Database.SqlQueryRaw<long>("SELECT count(*) AS Value FROM sqlite_master WHERE name GLOB 'chunks_fts*'").SingleAsync(Ct));
            Assert.Equal(3, await db.Chunks.Select(c => c.KeywordRow).Distinct().CountAsync(c => c > 0, Ct));
            // The new table is keyed by keyword row, in the order the documents came in, and holds all three.
            var tenant = await db.Chunks.Select(c => c.TenantId).FirstAsync(Ct);
            var table = "chunk_words_" + tenant;
            var matching = "SELECT rowid AS Value FROM " + table + " WHERE " + table + " MATCH 'zorblax' ORDER BY rowid";
            var rows = await db.Database.SqlQueryRaw<long>(matching).ToListAsync(Ct);
            var byIntake = await db.Chunks.OrderBy(c => c.KeywordRow).Select(c => new { c.KeywordRow, c.DocumentId }).ToListAsync(Ct);
            Assert.Equal(byIntake.Select(c => c.KeywordRow), rows);
            Assert.Equal(third, byIntake[^1].DocumentId);
            Assert.Equal(second, byIntake[^2].DocumentId);
        }
    }
}
