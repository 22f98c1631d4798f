using System.Text.Json;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Tests.Retrieval;

/// <summary>Compiled filters run against the real schema in a real SQLite file, with documents written by EF Core.</summary>
public sealed class SqlDocumentFilterTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("groundwork-filter-sql").FullName;
    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "filter.db"), Pooling = false }.ToString();

    public async ValueTask InitializeAsync()
    {
        await using var db = new GroundworkDbContext(new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite(ConnectionString).Options);
        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
        _tenantId = (await db.Tenants.SingleAsync(TestContext.Current.CancellationToken)).Id;
        db.Documents.AddRange(
            Document(1, "Handbook", "handbook.pdf", "ext-1", new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc), ["hr", "legal"],
                """{"year": 2021, "department": "hr", "remote": true, "a.b": "dot", "qu\"ote": "x", "published": "2024-03-01"}"""),
            Document(2, "Wiki", "wiki", null, new DateTime(2024, 12, 31, 23, 59, 59, 500, DateTimeKind.Utc), ["it"],
                """{"year": "2021", "department": "it", "remote": 1, "published": "2023-11-20"}"""),
            Document(3, "Sales", null, null, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), [],
                """{"year": 2019.5, "department": "sales"}"""),
            Document(4, "Old handbook", "handbook.pdf", null, new DateTime(2023, 6, 1, 0, 0, 0, DateTimeKind.Utc), ["hr"], "{}"));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }

    private long _tenantId;

    private DocumentEntity Document(long id, string title, string? source, string? externalId, DateTime createdAt,
        string[] tags, string metadata) => new()
    {
        Id = id,
        Sequence = id,
        TenantId = _tenantId,
        Title = title,
        Text = title,
        ContentHash = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Source = source,
        ExternalId = externalId,
        CreatedAt = createdAt,
        TagsJson = JsonSerializer.Serialize(tags),
        MetadataJson = metadata,
        Status = DocumentStatus.Ready,
    };

    private async Task<long[]> MatchingAsync(string filterJson)
    {
        var filter = SearchFilter.Parse(JsonDocument.Parse(filterJson).RootElement);
        var sql = SqlDocumentFilter.From(filter);
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT d.Id FROM documents d WHERE {sql.Condition} ORDER BY d.Id";
        sql.AddParametersTo(command);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return [.. ids];
    }

    [Theory]
    [InlineData("""{"source": "handbook.pdf"}""", new long[] { 1, 4 })]
    [InlineData("""{"source": {"ne": "handbook.pdf"}}""", new long[] { 2, 3 })]
    [InlineData("""{"source": {"nin": ["wiki"]}}""", new long[] { 1, 3, 4 })]
    [InlineData("""{"external_id": "ext-1"}""", new long[] { 1 })]
    [InlineData("""{"title": {"in": ["Handbook", "Nope"]}}""", new long[] { 1 })]
    [InlineData("""{"title": "handbook"}""", new long[] { })]
    [InlineData("""{"document_id": {"in": [2, 3]}}""", new long[] { 2, 3 })]
    [InlineData("""{"document_id": {"gte": 3}}""", new long[] { 3, 4 })]
    public async Task ColumnsCompareExactly(string filter, long[] expected)
    {
        Assert.Equal(expected, await MatchingAsync(filter));
    }

    [Theory]
    [InlineData("""{"metadata.year": {"gte": 2020}}""", new long[] { 1 })]
    [InlineData("""{"metadata.year": {"lt": 2020}}""", new long[] { 3 })]
    [InlineData("""{"metadata.year": 2021}""", new long[] { 1 })]
    [InlineData("""{"metadata.year": "2021"}""", new long[] { 2 })]
    [InlineData("""{"metadata.year": {"in": [2021, "2021"]}}""", new long[] { 1, 2 })]
    [InlineData("""{"metadata.year": {"ne": 2021}}""", new long[] { 2, 3, 4 })]
    [InlineData("""{"metadata.year": {"gt": "2000"}}""", new long[] { 2 })]
    [InlineData("""{"metadata.department": {"in": ["hr", "it"]}}""", new long[] { 1, 2 })]
    [InlineData("""{"metadata.department": {"nin": ["hr", "it"]}}""", new long[] { 3, 4 })]
    [InlineData("""{"metadata.remote": true}""", new long[] { 1 })]
    [InlineData("""{"metadata.remote": 1}""", new long[] { 2 })]
    [InlineData("""{"metadata.remote": {"in": [false, 1]}}""", new long[] { 2 })]
    [InlineData("""{"metadata.a.b": "dot"}""", new long[] { 1 })]
    [InlineData("""{"metadata.qu\"ote": "x"}""", new long[] { 1 })]
    [InlineData("""{"metadata.published": {"gte": "2024-01-01"}}""", new long[] { 1 })]
    [InlineData("""{"metadata.missing": {"ne": "x"}}""", new long[] { 1, 2, 3, 4 })]
    [InlineData("""{"metadata.missing": "x"}""", new long[] { })]
    public async Task MetadataComparesOnlyValuesOfTheSameType(string filter, long[] expected)
    {
        Assert.Equal(expected, await MatchingAsync(filter));
    }

    [Theory]
    [InlineData("""{"tags": "hr"}""", new long[] { 1, 4 })]
    [InlineData("""{"tags": {"any": ["legal", "it"]}}""", new long[] { 1, 2 })]
    [InlineData("""{"tags": {"all": ["hr", "legal"]}}""", new long[] { 1 })]
    [InlineData("""{"tags": {"all": ["hr", "hr"]}}""", new long[] { 1, 4 })]
    [InlineData("""{"tags": {"any": ["nobody"]}}""", new long[] { })]
    public async Task TagsMatchAnyOrAll(string filter, long[] expected)
    {
        Assert.Equal(expected, await MatchingAsync(filter));
    }

    [Theory]
    [InlineData("""{"created_at": {"gte": "2024-01-01T00:00:00Z", "lt": "2025-01-01"}}""", new long[] { 1, 2 })]
    [InlineData("""{"created_at": {"lte": "2024-12-31T23:59:59.5Z"}}""", new long[] { 1, 2, 4 })]
    [InlineData("""{"created_at": {"lt": "2024-12-31T23:59:59.5Z"}}""", new long[] { 1, 4 })]
    [InlineData("""{"created_at": {"gte": "2025-01-01T02:00:00+02:00"}}""", new long[] { 3 })]
    [InlineData("""{"created_at": {"gt": "2025-01-01T01:00:00+02:00"}}""", new long[] { 2, 3 })]
    [InlineData("""{"created_at": "2025-01-01"}""", new long[] { 3 })]
    [InlineData("""{"created_at": {"ne": "2025-01-01"}}""", new long[] { 1, 2, 4 })]
    public async Task CreatedAtComparesInTime(string filter, long[] expected)
    {
        Assert.Equal(expected, await MatchingAsync(filter));
    }

    [Fact]
    public async Task ConditionsAreAndedTogether()
    {
        Assert.Equal(new long[] { 1 }, await MatchingAsync("""{"source": "handbook.pdf", "tags": "legal", "metadata.year": {"gte": 2000}}"""));
        Assert.Empty(await MatchingAsync("""{"source": "handbook.pdf", "tags": "it"}"""));
    }

    [Fact]
    public async Task ValuesAndMetadataKeysNeverBecomeSqlText()
    {
        const string hostile = "x'); DROP TABLE documents; --";
        var filter = SearchFilter.Parse(JsonDocument.Parse(
            JsonSerializer.Serialize(new Dictionary<string, object> { ["source"] = hostile, ["metadata." + hostile] = hostile })).RootElement);

        var sql = SqlDocumentFilter.From(filter);

        Assert.DoesNotContain("DROP", sql.Condition, StringComparison.Ordinal);
        Assert.Empty(await MatchingAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["source"] = hostile })));
        Assert.Equal(new long[] { 1, 2, 3, 4 }, await MatchingAsync("{}"));
    }
}
