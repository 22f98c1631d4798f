using Groundwork.Infrastructure;
using Groundwork.Tests.ScaleOut;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Groundwork.Tests.Infrastructure;

public sealed class StorageErrorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("groundwork-storage-errors").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task OnSqliteASecondTenantOfTheSameNameIsAUniqueViolation()
    {
        await using var db = await MigratedSqliteAsync();
        db.Tenants.Add(new TenantEntity { Name = "acme", CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        db.Tenants.Add(new TenantEntity { Name = "acme", CreatedAt = DateTime.UtcNow });

        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));

        Assert.True(StorageErrors.IsUniqueViolation(failure));
    }

    [Fact]
    public async Task OnSqliteAKeyOfAMissingUserIsAnotherConstraintNotAUniqueViolation()
    {
        await using var db = await MigratedSqliteAsync();
        db.ApiKeys.Add(new ApiKeyEntity { UserId = 987_654_321, Name = "orphan", Prefix = "gw_orphan", Hash = [1, 2, 3], CreatedAt = DateTime.UtcNow });

        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));

        Assert.False(StorageErrors.IsUniqueViolation(failure));
    }

    [Fact]
    public async Task OnPostgresADuplicateKeyIsAUniqueViolation()
    {
        var server = await PostgresServer.GetAsync();
        await using var connection = new NpgsqlConnection(await server.CreateDatabaseAsync());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var create = new NpgsqlCommand("CREATE TABLE tenants (name text UNIQUE); INSERT INTO tenants VALUES ('acme')", connection))
        {
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var duplicate = new NpgsqlCommand("INSERT INTO tenants VALUES ('acme')", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => duplicate.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));

        Assert.True(StorageErrors.IsUniqueViolation(new DbUpdateException("An error occurred while saving the entity changes.", error)));
    }

    private async Task<GroundworkDbContext> MigratedSqliteAsync()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "errors.db"), Pooling = false }.ToString();
        var db = new GroundworkDbContext(new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite(connectionString).Options);
        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
        return db;
    }
}
