using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Groundwork.Auth;

/// <summary>
/// On the first start with an empty database, the tenant <c>default</c> gets the user <c>admin</c> (admin role and the
/// operator right) and a key, written to <c>&lt;data&gt;/admin.key</c> (mode 0600), unless <c>Auth:BootstrapKey</c>
/// supplies it. The log says where the key is, never the key. Runs after the database is migrated.
/// </summary>
public sealed class AuthBootstrap(
    IServiceScopeFactory scopes, IOptions<AuthOptions> options, IOptions<StorageOptions> storage, TimeProvider clock,
    ILogger<AuthBootstrap> logger) : IHostedService
{
    public const string DefaultTenant = "default";
    public const string KeyFileName = "admin.key";

    public string KeyFile => Path.Combine(storage.Value.FullPath, KeyFileName);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var suppliedKey = string.IsNullOrEmpty(options.Value.BootstrapKey) ? null : options.Value.BootstrapKey;
        var now = clock.GetUtcNow().UtcDateTime;

        var operatorUser = await db.Users.Where(u => u.IsOperator).OrderBy(u => u.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (operatorUser is not null)
        {
            if (suppliedKey is not null && !await db.ApiKeys.AnyAsync(k => k.Prefix == ApiKeyFormat.Prefix(suppliedKey), cancellationToken))
            {
                db.ApiKeys.Add(NewKey(operatorUser.Id, suppliedKey, now));
                await db.SaveChangesAsync(cancellationToken);
                logger.LogInformation("The key set in Auth:BootstrapKey was added to the operator {UserId}", operatorUser.Id);
            }

            return;
        }

        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Name == DefaultTenant, cancellationToken);
        if (tenant is null)
        {
            tenant = new TenantEntity { Name = DefaultTenant, CreatedAt = now };
            db.Tenants.Add(tenant);
        }

        var admin = new UserEntity
        {
            TenantId = tenant.Id, Email = "admin@localhost", Name = "admin", Role = Role.Admin, IsOperator = true, CreatedAt = now,
        };
        db.Users.Add(admin);
        var key = suppliedKey ?? ApiKeyFormat.New();
        db.ApiKeys.Add(NewKey(admin.Id, key, now));
        if (suppliedKey is null)
        {
            WriteKeyFile(key);
        }

        await db.SaveChangesAsync(cancellationToken);
        if (suppliedKey is null)
        {
            logger.LogInformation("Created the operator 'admin' in tenant '{Tenant}'; its API key is in {KeyFile}", DefaultTenant, KeyFile);
        }
        else
        {
            logger.LogInformation("Created the operator 'admin' in tenant '{Tenant}' with the key set in Auth:BootstrapKey", DefaultTenant);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static ApiKeyEntity NewKey(long userId, string key, DateTime now) => new()
    {
        UserId = userId, Name = "bootstrap", Prefix = ApiKeyFormat.Prefix(key), Hash = ApiKeyFormat.Hash(key), CreatedAt = now,
    };

    private void WriteKeyFile(string key)
    {
        var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(KeyFile, System.Text.Encoding.ASCII, file))
        {
            writer.WriteLine(key);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies to new files only; an old file of the same name keeps no wider mode.
            File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
