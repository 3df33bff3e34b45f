using System.Globalization;
using System.Text.RegularExpressions;
using OpsRunbooks.Backup;
using OpsRunbooks.Journal;

namespace OpsRunbooks.Reports;

/// <summary>Whether restores of a database take longer now than before.</summary>
public enum RestoreTrend
{
    /// <summary>Too few successful restores to compare.</summary>
    Unknown,
    Steady,
    Faster,
    Slower,
}

/// <summary>
/// The answer to "when was this database last proven restorable, and how long does a restore take now
/// compared with before?", from the operations log's restore tests, drills and restores.
/// </summary>
public sealed class RestoreEvidence
{
    public string? Environment { get; init; }
    public required string Database { get; init; }

    /// <summary>When the newest successful restore test, drill or restore finished; null when none is recorded.</summary>
    public DateTime? LastProvenUtc { get; init; }
    public TimeSpan? LastProvenAge { get; init; }

    /// <summary>The operation that proved it: RestoreTest, DisasterRecoveryTest or DatabaseRestore.</summary>
    public string? LastProvenBy { get; init; }
    public string? LastProvenBackupId { get; init; }

    /// <summary>How long the newest successful restore took.</summary>
    public TimeSpan? RestoreTime { get; init; }

    /// <summary>The median restore time of the newest TrendWindow successful restores, and of the TrendWindow before them.</summary>
    public TimeSpan? RecentMedian { get; init; }
    public TimeSpan? PreviousMedian { get; init; }
    public double? TrendPercent { get; init; }
    public required RestoreTrend Trend { get; init; }
    public required int TrendWindow { get; init; }

    /// <summary>Failed restore tests, drills and restores since the last success (all of them when there was none).</summary>
    public required int FailuresSince { get; init; }
    public string? LastFailureErrorId { get; init; }

    /// <summary>Every successful restore time recorded, oldest first: what a chart of restore times draws.</summary>
    public required IReadOnlyList<RestoreSample> History { get; init; }

    public override string ToString() => LastProvenUtc is { } proven
        ? $"{Database}: proven {proven:u} by {LastProvenBy}, restore {RestoreTime}, {Trend}"
        : $"{Database}: never proven restorable";
}

/// <summary>One successful restore test, drill or restore: when it finished and how long the restore took.</summary>
public sealed record RestoreSample(DateTime FinishedUtc, TimeSpan RestoreTime, string Operation);

public static partial class RestoreEvidenceBuilder
{
    /// <summary>The operations whose entries prove (or fail to prove) that a database restores.</summary>
    public static readonly IReadOnlySet<string> RestoreOperations = new HashSet<string>(StringComparer.Ordinal)
        { "RestoreTest", "DisasterRecoveryTest", "DatabaseRestore" };

    /// <summary>A change of the median within this many percent is Steady.</summary>
    public const double SteadyPercent = 10;

    /// <summary>
    /// One RestoreEvidence per database that has restore entries, or that <paramref name="expectedDatabases"/>
    /// names, from entries in any order. An entry's database is its Database figure, else the database its BackupId
    /// names. Restore times are the RestoreSeconds figure.
    /// </summary>
    public static IReadOnlyList<RestoreEvidence> Build(IEnumerable<OperationLogEntry> entries, IEnumerable<string> expectedDatabases,
        string? environment, int trendWindow, DateTime nowUtc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trendWindow, 1);
        var relevant = entries.Where(e => RestoreOperations.Contains(e.Operation) && (environment is null || e.Environment == environment)).ToList();
        var drills = relevant.Where(e => e.Operation == "DisasterRecoveryTest").ToList();
        var byDatabase = relevant
            .Where(e => !IsPartOfADrill(e, drills))
            .Select(e => (Entry: e, Database: DatabaseOf(e)))
            .Where(e => e.Database is not null)
            .GroupBy(e => e.Database!, e => e.Entry, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.FinishedAt).ToList(), StringComparer.Ordinal);
        foreach (var expected in expectedDatabases)
            byDatabase.TryAdd(expected, []);
        return [.. byDatabase.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => Evaluate(d.Key, d.Value, environment, trendWindow, nowUtc))];
    }

    private static RestoreEvidence Evaluate(string database, List<OperationLogEntry> newestFirst, string? environment, int window, DateTime nowUtc)
    {
        var successes = newestFirst.Where(e => e.Outcome == OperationOutcome.Succeeded).ToList();
        var last = successes.FirstOrDefault();
        var failures = newestFirst.TakeWhile(e => e.Outcome != OperationOutcome.Succeeded).Where(e => e.Outcome == OperationOutcome.Failed).ToList();
        var times = successes.Select(e => (e.FinishedAt, e.Operation, Time: RestoreTimeOf(e))).Where(t => t.Time is not null)
            .Select(t => (t.FinishedAt, t.Operation, Time: t.Time!.Value)).ToList();
        var recent = Median(times.Take(window).Select(t => t.Time));
        var previous = Median(times.Skip(window).Take(window).Select(t => t.Time));
        double? percent = recent is { } r && previous is { } p && p > TimeSpan.Zero ? Math.Round((r - p) / p * 100, 1) : null;
        return new RestoreEvidence
        {
            Environment = environment,
            Database = database,
            LastProvenUtc = last?.FinishedAt,
            LastProvenAge = last is null ? null : nowUtc - last.FinishedAt,
            LastProvenBy = last?.Operation,
            LastProvenBackupId = last is not null && last.Figures.TryGetValue("BackupId", out var id) ? id as string : null,
            RestoreTime = last is null ? null : RestoreTimeOf(last),
            RecentMedian = recent,
            PreviousMedian = previous,
            TrendPercent = percent,
            Trend = percent switch
            {
                null => RestoreTrend.Unknown,
                > SteadyPercent => RestoreTrend.Slower,
                < -SteadyPercent => RestoreTrend.Faster,
                _ => RestoreTrend.Steady,
            },
            TrendWindow = window,
            FailuresSince = failures.Count,
            LastFailureErrorId = failures.FirstOrDefault()?.ErrorId,
            History = [.. times.Select(t => new RestoreSample(t.FinishedAt, t.Time, t.Operation)).Reverse()],
        };
    }

    /// <summary>
    /// A restore test or restore that a drill ran (the same backup, within the drill's time): the drill's entry
    /// stands for it, so that one drill counts once.
    /// </summary>
    private static bool IsPartOfADrill(OperationLogEntry entry, List<OperationLogEntry> drills) =>
        entry.Operation != "DisasterRecoveryTest" && entry.Figures.TryGetValue("BackupId", out var id)
        && drills.Exists(drill => drill.Figures.TryGetValue("BackupId", out var drilled) && Equals(drilled, id)
            && entry.StartedAt >= drill.StartedAt && entry.FinishedAt <= drill.FinishedAt);

    /// <summary>The database an entry is about: its Database figure, else the one its BackupId's folder names.</summary>
    public static string? DatabaseOf(OperationLogEntry entry)
    {
        if (entry.Figures.TryGetValue("Database", out var database) && database is string name) return name;
        return entry.Figures.TryGetValue("BackupId", out var id) && id is string backupId && BackupIdShape().Match(backupId) is { Success: true } match
            ? BackupNaming.DatabaseOf(match.Groups["segment"].Value)
            : null;
    }

    private static TimeSpan? RestoreTimeOf(OperationLogEntry entry) =>
        entry.Figures.TryGetValue("RestoreSeconds", out var seconds) ? TimeSpan.FromSeconds(Convert.ToDouble(seconds, CultureInfo.InvariantCulture)) : null;

    private static TimeSpan? Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return null;
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    // BackupNaming.NewId: the database's folder name, the start to the millisecond, 8 random hex digits.
    [GeneratedRegex(@"^(?<segment>.+)_\d{8}T\d{9}Z_[0-9a-f]{8}$")]
    private static partial Regex BackupIdShape();
}
