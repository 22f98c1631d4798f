using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Documents.Ingestion;

/// <summary>
/// Gives documents stored before content hashes existed their hash at start-up, before requests are served, so a
/// re-upload of one is recognised as a duplicate. The migration that added the column could not: SQLite has no SHA-256.
/// Runs after <see cref="DatabaseInitializer"/> (hosted services start in registration order); a no-op once done.
/// </summary>
public sealed class ContentHashBackfill(IServiceScopeFactory scopes, ILogger<ContentHashBackfill> logger) : IHostedService
{
    private const int BatchSize = 100;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var filled = 0;
        while (true)
        {
            var batch = await db.Documents.Where(d => d.ContentHash == "").OrderBy(d => d.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var document in batch)
            {
                document.ContentHash = DocumentCatalog.ContentHash(document.Text);
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            filled += batch.Count;
        }

        if (filled > 0)
        {
            logger.LogInformation("Documents: content hashes computed for {Count} documents stored before hashing existed", filled);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
