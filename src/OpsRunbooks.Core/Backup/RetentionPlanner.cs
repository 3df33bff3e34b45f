using System.Globalization;

namespace OpsRunbooks.Backup;

public enum RetentionAction
{
    Keep,
    Remove,
}

/// <summary>What a retention plan does with one backup, and why.</summary>
public sealed record RetentionDecision(
    string Database,
    string Id,
    DateTime StartedUtc,
    long StoredBytes,
    RetentionAction Action,
    string Reason,
    BackupRecord Backup)
{
    public override string ToString() => $"{Action} {Id}: {Reason}";
}

/// <summary>
/// Plans grandfather-father-son retention over the backups themselves: the periods are the most recent
/// UTC days, ISO weeks and months that have backups, counted back from each database's newest backup, so
/// the plan depends on nothing but its input (no clock), and a database whose backups stopped keeps them.
/// </summary>
public static class RetentionPlanner
{
    private const string BeyondPolicy = "beyond policy";

    /// <summary>
    /// One decision per backup: databases in ordinal order (per store, when records come from several),
    /// each newest first. The newest backup of a database is always kept: it is the newest of its day,
    /// week and month, and KeepMinimum keeps the newest first. A policy that would keep nothing at all
    /// of a database is refused with RetentionWouldRemoveAll.
    /// </summary>
    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<BackupRecord> backups, RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var decisions = new List<RetentionDecision>();
        var groups = backups
            .GroupBy(b => (Store: b.Store?.Location ?? "", b.Database))
            .OrderBy(g => g.Key.Database, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Store, StringComparer.Ordinal);
        foreach (var group in groups)
            decisions.AddRange(PlanDatabase(group.Key.Database, group, policy));
        return decisions;
    }

    private static IEnumerable<RetentionDecision> PlanDatabase(string database, IEnumerable<BackupRecord> backups, RetentionPolicy policy)
    {
        var newestFirst = BackupCatalog.NewestFirst(backups).ToList();
        var reasons = new string?[newestFirst.Count];

        // Most specific first: a backup kept as a daily one is not also called weekly or monthly.
        KeepNewestPerPeriod(newestFirst, reasons, policy.Daily, "daily", b => b.StartedUtc.Date);
        KeepNewestPerPeriod(newestFirst, reasons, policy.Weekly, "weekly", b => IsoWeek(b.StartedUtc));
        KeepNewestPerPeriod(newestFirst, reasons, policy.Monthly, "monthly", b => new DateTime(b.StartedUtc.Year, b.StartedUtc.Month, 1));

        var kept = reasons.Count(r => r is not null);
        for (var i = 0; i < reasons.Length && kept < policy.KeepMinimum; i++)
        {
            if (reasons[i] is not null) continue;
            kept++;
            reasons[i] = string.Create(CultureInfo.InvariantCulture, $"minimum {kept} of {policy.KeepMinimum}");
        }

        if (kept == 0)
            throw new OpsException(BackupErrorIds.RetentionWouldRemoveAll, FailureKind.InvalidArgument,
                $"The retention policy ({policy}) would remove all {newestFirst.Count} backups of the database '{database}'; "
                + "keep at least one daily, weekly or monthly backup, or give KeepMinimum.", database);

        return newestFirst.Select((backup, i) => new RetentionDecision(backup.Database, backup.Id, backup.StartedUtc, backup.StoredBytes,
            reasons[i] is null ? RetentionAction.Remove : RetentionAction.Keep, reasons[i] ?? BeyondPolicy, backup));
    }

    /// <summary>Marks the newest backup of each of the <paramref name="count"/> most recent periods that have backups.</summary>
    private static void KeepNewestPerPeriod<TPeriod>(List<BackupRecord> newestFirst, string?[] reasons, int count, string kind,
        Func<BackupRecord, TPeriod> periodOf)
    {
        var seen = new HashSet<TPeriod>();
        for (var i = 0; i < newestFirst.Count && seen.Count < count; i++)
        {
            if (!seen.Add(periodOf(newestFirst[i]))) continue;
            reasons[i] ??= string.Create(CultureInfo.InvariantCulture, $"{kind} {seen.Count} of {count}");
        }
    }

    private static (int Year, int Week) IsoWeek(DateTime utc) => (ISOWeek.GetYear(utc), ISOWeek.GetWeekOfYear(utc));
}
