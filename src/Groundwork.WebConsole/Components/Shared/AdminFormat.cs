using System.Globalization;
using Groundwork.Client;

namespace Groundwork.WebConsole.Components.Shared;

/// <summary>How the admin pages write budgets, times and counts.</summary>
internal static class AdminFormat
{
    public static string Budget(Budget? budget) =>
        budget is null ? "None" : $"{Count(budget.Tokens)} tokens per {budget.Period}";

    public static string Time(DateTime? at) =>
        at is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
