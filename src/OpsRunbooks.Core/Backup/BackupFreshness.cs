using System.Globalization;

namespace OpsRunbooks.Backup;

public enum BackupFreshnessStatus
{
    Healthy,
    Warning,
    Critical,
}

/// <summary>How fresh and how plausibly sized the newest backup of one database is, and what the store holds of it.</summary>
public sealed class BackupFreshnessResult
{
    public required string Database { get; init; }
    public required BackupFreshnessStatus Status { get; init; }
    public string? NewestBackupId { get; init; }
    public DateTime? NewestFinishedUtc { get; init; }
    public TimeSpan? Age { get; init; }
    public required TimeSpan MaximumAge { get; init; }
    public long? NewestBytes { get; init; }

    /// <summary>The median stored size of the backups before the newest (up to the policy's baseline count).</summary>
    public long? MedianBytes { get; init; }

    /// <summary>How much larger (positive) or smaller (negative) the newest backup is than that median, in percent.</summary>
    public double? SizeChangePercent { get; init; }

    /// <summary>Why the status is not Healthy; empty when it is.</summary>
    public required string[] Reasons { get; init; }

    public required int Count { get; init; }
    public required long TotalBytes { get; init; }
    public DateTime? OldestUtc { get; init; }
    public DateTime? NewestUtc { get; init; }

    public override string ToString() => Reasons.Length == 0 ? $"{Database}: {Status}" : $"{Database}: {Status} ({string.Join("; ", Reasons)})";
}

/// <summary>
/// The morning check of a store: per database, is the newest backup recent enough, and is its size in line
/// with the ones before it? A shrinking backup often means a failed or partial dump; a sudden growth,
/// unexpected data.
/// </summary>
public static class BackupFreshness
{
    /// <summary>
    /// One result per database that has backups or is in <paramref name="expectedDatabases"/> (which are
    /// Critical when they have none), in ordinal order of name.
    /// </summary>
    public static IReadOnlyList<BackupFreshnessResult> Evaluate(IEnumerable<BackupRecord> backups, IEnumerable<string> expectedDatabases,
        FreshnessPolicy policy, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var byDatabase = backups.GroupBy(b => b.Database, StringComparer.Ordinal).ToDictionary(g => g.Key, g => BackupCatalog.NewestFirst(g).ToList(), StringComparer.Ordinal);
        return byDatabase.Keys.Union(expectedDatabases, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(database => Evaluate(database, byDatabase.GetValueOrDefault(database) ?? [], policy, nowUtc))
            .ToList();
    }

    private static BackupFreshnessResult Evaluate(string database, List<BackupRecord> newestFirst, FreshnessPolicy policy, DateTime nowUtc)
    {
        if (newestFirst.Count == 0)
        {
            return new BackupFreshnessResult
            {
                Database = database, Status = BackupFreshnessStatus.Critical, MaximumAge = policy.MaximumAge,
                Reasons = ["no backup"], Count = 0, TotalBytes = 0,
            };
        }

        var newest = newestFirst[0];
        var findings = new List<(BackupFreshnessStatus Status, string Reason)>();
        var age = nowUtc - newest.FinishedUtc;
        if (age > policy.MaximumAge)
            findings.Add((BackupFreshnessStatus.Critical, Invariant($"the newest backup finished {Describe(age)} ago, more than the maximum age of {Describe(policy.MaximumAge)}")));

        var previous = newestFirst.Skip(1).Take(policy.SizeBaselineCount).Select(b => b.StoredBytes).ToList();
        var median = previous.Count == 0 ? (double?)null : Median(previous);
        double? change = median > 0 ? (newest.StoredBytes - median.Value) / median.Value * 100 : null;
        if (newest.StoredBytes == 0)
            findings.Add((BackupFreshnessStatus.Critical, "the newest backup is 0 bytes"));
        else if (change is { } percent)
            findings.AddRange(SizeFindings(percent, newest.StoredBytes, median!.Value, previous.Count, policy));

        return new BackupFreshnessResult
        {
            Database = database,
            Status = findings.Count == 0 ? BackupFreshnessStatus.Healthy : findings.Max(f => f.Status),
            NewestBackupId = newest.Id,
            NewestFinishedUtc = newest.FinishedUtc,
            Age = age,
            MaximumAge = policy.MaximumAge,
            NewestBytes = newest.StoredBytes,
            MedianBytes = median is { } m ? (long)Math.Round(m, MidpointRounding.AwayFromZero) : null,
            SizeChangePercent = change,
            Reasons = findings.Select(f => f.Reason).ToArray(),
            Count = newestFirst.Count,
            TotalBytes = newestFirst.Sum(b => b.StoredBytes),
            OldestUtc = newestFirst[^1].StartedUtc,
            NewestUtc = newest.StartedUtc,
        };
    }

    private static IEnumerable<(BackupFreshnessStatus, string)> SizeFindings(double percent, long newestBytes, double median, int baseline,
        FreshnessPolicy policy)
    {
        var comparison = Invariant($"{Math.Abs(percent):N1} % {(percent < 0 ? "smaller" : "larger")} than the median of the previous {baseline} ({newestBytes:N0} bytes against {median:N0})");
        if (percent < -policy.SizeCriticalDropPercent)
            yield return (BackupFreshnessStatus.Critical, $"the newest backup is {comparison}: investigate a failed or partial backup");
        else if (percent > policy.SizeCriticalGrowthPercent)
            yield return (BackupFreshnessStatus.Critical, $"the newest backup is {comparison}: check for unexpected data growth");
        else if (percent < -policy.SizeWarningPercent)
            yield return (BackupFreshnessStatus.Warning, $"the newest backup is {comparison}: check that it is complete");
        else if (percent > policy.SizeWarningPercent)
            yield return (BackupFreshnessStatus.Warning, $"the newest backup is {comparison}: check for data growth");
    }

    private static double Median(List<long> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + (double)values[middle]) / 2;
    }

    private static string Describe(TimeSpan span) => span.ToString(span.Days > 0 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
