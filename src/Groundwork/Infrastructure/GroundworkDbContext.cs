using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Groundwork.Infrastructure;

public sealed class GroundworkDbContext(DbContextOptions<GroundworkDbContext> options) : DbContext(options)
{
    public DbSet<DocumentEntity> Documents => Set<DocumentEntity>();
    public DbSet<ChunkEntity> Chunks => Set<ChunkEntity>();
    public DbSet<UserEntity> Users => Set<UserEntity>();
    public DbSet<TenantEntity> Tenants => Set<TenantEntity>();
    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();
    public DbSet<AuditEntryEntity> AuditEntries => Set<AuditEntryEntity>();
    public DbSet<UsageRecordEntity> UsageRecords => Set<UsageRecordEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite stores no time zone and EF Core reads DateTime back as Unspecified, which JSON writes without a Z.
        // Every DateTime is written in UTC, so every one read back is marked UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DocumentEntity>(document =>
        {
            document.ToTable("documents");
            document.Property(d => d.Id).HasValueGenerator<PublicIdGenerator>();
            document.Property(d => d.Title).HasMaxLength(500);
            document.Property(d => d.Source).HasMaxLength(2_000);
            document.Property(d => d.ExternalId).HasMaxLength(200);
            document.Property(d => d.ContentHash).HasMaxLength(64);
            document.Property(d => d.ContentType).HasMaxLength(100);
            document.Property(d => d.DeclaredContentType).HasMaxLength(200);
            document.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            document.Property(d => d.TraceParent).HasMaxLength(55);
            document.HasIndex(d => new { d.TenantId, d.ExternalId, d.ContentHash });
            document.HasIndex(d => new { d.TenantId, d.ContentHash });
            // Unique, and what the next intake position is read from (max over it is one index step).
            document.HasIndex(d => d.Sequence).IsUnique();
            document.HasIndex(d => new { d.Status, d.Sequence });
            document.HasIndex(d => new { d.TenantId, d.Status, d.Sequence });
            document.HasIndex(d => new { d.TenantId, d.Sequence });
            document.HasIndex(d => new { d.TenantId, d.ExternalId, d.Sequence });
            document.HasIndex(d => new { d.TenantId, d.CreatedAt });
            document.HasIndex(d => new { d.TenantId, d.Source });
            document.HasMany(d => d.Chunks).WithOne(c => c.Document).HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ChunkEntity>(chunk =>
        {
            chunk.ToTable("chunks");
            chunk.Property(c => c.Id).HasValueGenerator<PublicIdGenerator>();
            chunk.HasIndex(c => new { c.DocumentId, c.Ordinal }).IsUnique();
            chunk.HasIndex(c => c.TenantId);
            chunk.HasIndex(c => c.KeywordRow).IsUnique();
        });
        modelBuilder.Entity<TenantEntity>(tenant =>
        {
            tenant.ToTable("tenants");
            tenant.Property(t => t.Id).HasValueGenerator<PublicIdGenerator>();
            tenant.Property(t => t.Name).HasMaxLength(200).UseCollation("NOCASE");
            tenant.HasIndex(t => t.Name).IsUnique();
            tenant.Property(t => t.BudgetPeriod).HasConversion<string>().HasMaxLength(8);
        });
        modelBuilder.Entity<UserEntity>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.Id).HasValueGenerator<PublicIdGenerator>();
            user.Property(u => u.Email).HasMaxLength(320).UseCollation("NOCASE");
            // Unique within a tenant only: a global rule would tell one tenant's admin which emails another tenant has.
            user.HasIndex(u => new { u.TenantId, u.Email }).IsUnique();
            user.Property(u => u.Name).HasMaxLength(200);
            user.Property(u => u.Role).HasConversion<string>().HasMaxLength(16);
            user.Property(u => u.BudgetPeriod).HasConversion<string>().HasMaxLength(8);
        });
        modelBuilder.Entity<ApiKeyEntity>(key =>
        {
            key.ToTable("api_keys");
            key.Property(k => k.Id).HasValueGenerator<PublicIdGenerator>();
            key.Property(k => k.Name).HasMaxLength(200);
            key.Property(k => k.Prefix).HasMaxLength(16);
            key.Property(k => k.Hash).HasMaxLength(32);
            key.HasIndex(k => k.Prefix);
            key.HasIndex(k => k.UserId);
            key.HasOne(k => k.User).WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<AuditEntryEntity>(entry =>
        {
            entry.ToTable("audit_entries");
            entry.Property(e => e.Action).HasMaxLength(32);
            entry.Property(e => e.Method).HasMaxLength(16);
            entry.Property(e => e.Path).HasMaxLength(2_000);
            entry.Property(e => e.Target).HasMaxLength(2_000);
            entry.Property(e => e.ActorKeyPrefix).HasMaxLength(16);
            entry.HasIndex(e => e.At);
            entry.HasIndex(e => new { e.ActorTenantId, e.At });
            entry.HasIndex(e => new { e.TargetTenantId, e.At });
        });
        modelBuilder.Entity<UsageRecordEntity>(usage =>
        {
            usage.ToTable("usage_records");
            usage.Property(u => u.Model).HasMaxLength(200);
            usage.Property(u => u.Status).HasMaxLength(16);
            // Kept when a user or key is deleted: the tenant's spend and its history do not shrink.
            usage.HasIndex(u => new { u.TenantId, u.At });
            usage.HasIndex(u => new { u.TenantId, u.UserId, u.At });
        });
    }
}

/// <summary>Stores a <see cref="DateTime"/> as UTC (an Unspecified one is taken to be UTC already) and reads it back as UTC.</summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
