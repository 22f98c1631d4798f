using Groundwork.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Groundwork.Infrastructure;

public static class InfrastructureRegistration
{
    /// <summary>SQLite through EF Core in <c>Storage:Path</c>, migrated at start-up; a <see cref="GroundworkDbContext"/> per request.</summary>
    public static IHostApplicationBuilder AddInfrastructure(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<StorageOptions>(StorageOptions.Section);

        builder.Services.AddDbContext<GroundworkDbContext>((services, options) =>
        {
            var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            options.UseSqlite(ConnectionString(storage));
        });
        builder.Services.AddSingleton<DataFolderLock>();
        // Data-protection keys (they encrypt the web console's stored sign-in and antiforgery tokens) live in the data
        // folder, so a restart or a new machine with the same folder keeps people signed in.
        builder.Services.AddDataProtection().SetApplicationName("Groundwork");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, ILoggerFactory>((options, storage, loggers) =>
            options.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(System.IO.Path.Combine(storage.Value.FullPath, "data-protection-keys")), loggers));
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddDbContextCheck<GroundworkDbContext>("database", tags: [HostingRegistration.ReadyTag]);
        return builder;
    }

    public static string ConnectionString(StorageOptions storage) => new SqliteConnectionStringBuilder
    {
        DataSource = storage.DatabaseFile,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();
}

/// <summary>Creates and locks the data folder and applies migrations before anything else starts.</summary>
public sealed class DatabaseInitializer(
    IServiceScopeFactory scopes, IOptions<StorageOptions> storage, DataFolderLock folderLock, ILogger<DatabaseInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(storage.Value.FullPath);
        folderLock.Acquire(storage.Value);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        // WAL lets readers (every /generate) proceed while a document is being written.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        logger.LogInformation("Database ready at {DatabaseFile}", storage.Value.DatabaseFile);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
