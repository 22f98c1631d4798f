using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Groundwork.Infrastructure;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<GroundworkDbContext>
{
    public GroundworkDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
