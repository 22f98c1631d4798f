using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Infrastructure;

/// <summary>What a failed write means, whichever database the service runs on, so that features need not know.</summary>
public static class StorageErrors
{
    private const int SqliteUniqueConstraint = 2067;
    private const int SqlitePrimaryKeyConstraint = 1555;
    private const string PostgresUniqueViolation = "23505";

    /// <summary>True when the write failed because a unique index already holds the value: another request wrote it first.</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqliteUniqueConstraint or SqlitePrimaryKeyConstraint,
        DbException other => other.SqlState == PostgresUniqueViolation,
        _ => false,
    };
}
