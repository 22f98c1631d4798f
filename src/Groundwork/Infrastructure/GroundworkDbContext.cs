using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Groundwork.Infrastructure;

public sealed class GroundworkDbContext(DbContextOptions<GroundworkDbContext> options) : DbContext(options)
{
    public DbSet<DocumentEntity> Documents => Set<DocumentEntity>();
    public DbSet<ChunkEntity> Chunks => Set<ChunkEntity>();
    public DbSet<UserEntity> Users => Set<UserEntity>();

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
            document.Property(d => d.Title).HasMaxLength(500);
            document.Property(d => d.Source).HasMaxLength(2_000);
            document.Property(d => d.ExternalId).HasMaxLength(200);
            document.Property(d => d.ContentHash).HasMaxLength(64);
            document.Property(d => d.ContentType).HasMaxLength(100);
            document.Property(d => d.DeclaredContentType).HasMaxLength(200);
            document.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            document.HasIndex(d => new { d.ExternalId, d.ContentHash });
            document.HasIndex(d => d.ContentHash);
            document.HasIndex(d => new { d.Status, d.Id });
            document.HasIndex(d => d.CreatedAt);
            document.HasIndex(d => d.Source);
            document.HasMany(d => d.Chunks).WithOne(c => c.Document).HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ChunkEntity>(chunk =>
        {
            chunk.ToTable("chunks");
            chunk.HasIndex(c => new { c.DocumentId, c.Ordinal }).IsUnique();
        });
        modelBuilder.Entity<UserEntity>(user =>
        {
            user.ToTable("users");
            user.Property(u => u.Email).HasMaxLength(320).UseCollation("NOCASE");
            user.HasIndex(u => u.Email).IsUnique();
            user.Property(u => u.Name).HasMaxLength(200);
        });
    }
}

/// <summary>Stores a <see cref="DateTime"/> as UTC (an Unspecified one is taken to be UTC already) and reads it back as UTC.</summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
