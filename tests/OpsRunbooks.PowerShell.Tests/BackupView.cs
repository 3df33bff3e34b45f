using System.Collections;
using System.Management.Automation;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A BackupRecord read through its PowerShell properties. The tests do not reference the core assembly:
/// the module loads its own copy in its own load context, as it does in a user's session.
/// </summary>
public sealed record BackupView(PSObject Source)
{
    public string TypeName => Source.BaseObject.GetType().FullName!;
    public string Id => Get<string>();
    public string Database => Get<string>();
    public string ArtifactName => Get<string>();
    public string ManifestName => Get<string>();
    public string Sha256 => Get<string>();
    public string ServerVersion => Get<string>();
    public long StoredBytes => Get<long>();
    public long DumpBytes => Get<long>();
    public DateTime StartedUtc => Get<DateTime>();
    public DateTime FinishedUtc => Get<DateTime>();

    public IReadOnlyDictionary<string, long> TableRowCounts
    {
        get
        {
            var counts = new Dictionary<string, long>();
            foreach (DictionaryEntry entry in (IDictionary)Source.Properties[nameof(TableRowCounts)].Value)
                counts[(string)entry.Key] = (long)entry.Value!;
            return counts;
        }
    }

    private T Get<T>([System.Runtime.CompilerServices.CallerMemberName] string name = "") => (T)Source.Properties[name].Value;
}

/// <summary>A RetentionDecision read through its PowerShell properties.</summary>
public sealed record DecisionView(PSObject Source)
{
    public string Database => Get<string>();
    public string Id => Get<string>();
    public DateTime StartedUtc => Get<DateTime>();
    public string Action => Source.Properties[nameof(Action)].Value.ToString()!;
    public string Reason => Get<string>();
    public BackupView Backup => new(PSObject.AsPSObject(Source.Properties[nameof(Backup)].Value));

    private T Get<T>([System.Runtime.CompilerServices.CallerMemberName] string name = "") => (T)Source.Properties[name].Value;
}

/// <summary>A BackupFreshnessResult read through its PowerShell properties.</summary>
public sealed record FreshnessView(PSObject Source)
{
    public string Database => Get<string>();
    public string Status => Source.Properties[nameof(Status)].Value.ToString()!;
    public string? NewestBackupId => Get<string?>();
    public TimeSpan? Age => Get<TimeSpan?>();
    public TimeSpan MaximumAge => Get<TimeSpan>();
    public long? NewestBytes => Get<long?>();
    public long? MedianBytes => Get<long?>();
    public double? SizeChangePercent => Get<double?>();
    public string[] Reasons => Get<string[]>();
    public int Count => Get<int>();
    public long TotalBytes => Get<long>();

    private T Get<T>([System.Runtime.CompilerServices.CallerMemberName] string name = "") => (T)Source.Properties[name].Value;
}

/// <summary>An IntegrityReport read through its PowerShell properties.</summary>
public sealed record IntegrityView(PSObject Source)
{
    public string Database => Get<string>();
    public string BackupId => Get<string>();
    public bool Passed => Get<bool>();
    public string? FailedCheck => Get<string?>();
    public string? Cause => Get<string?>();
    public string? CauseDetail => Get<string?>();
    public bool RestoreTested => Get<bool>();
    public TimeSpan Duration => Get<TimeSpan>();
    public TimeSpan? RestoreDuration => Get<TimeSpan?>();
    public string? ScratchDatabase => Get<string?>();
    public BackupView Backup => new(PSObject.AsPSObject(Source.Properties[nameof(Backup)].Value));

    public IReadOnlyList<CheckView> Checks =>
        ((IEnumerable)Source.Properties[nameof(Checks)].Value).Cast<object>().Select(c => new CheckView(PSObject.AsPSObject(c))).ToList();

    public CheckView Check(string name) => Checks.Single(c => c.Name == name);

    /// <summary>"Name:Status" of every check, in order.</summary>
    public IReadOnlyList<string> Statuses => Checks.Select(c => $"{c.Name}:{c.Status}").ToList();

    private T Get<T>([System.Runtime.CompilerServices.CallerMemberName] string name = "") => (T)Source.Properties[name].Value;
}

/// <summary>An IntegrityCheck read through its PowerShell properties.</summary>
public sealed record CheckView(PSObject Source)
{
    public string Name => (string)Source.Properties[nameof(Name)].Value;
    public string Status => Source.Properties[nameof(Status)].Value.ToString()!;
    public string Detail => (string)Source.Properties[nameof(Detail)].Value;
    public string? ErrorId => (string?)Source.Properties[nameof(ErrorId)].Value;
    public TimeSpan Duration => (TimeSpan)Source.Properties[nameof(Duration)].Value;
}

public static class EngineResultExtensions
{
    public static IReadOnlyList<BackupView> Backups(this EngineResult result) => Of(result, "OpsRunbooks.Backup.BackupRecord", o => new BackupView(o));

    public static IReadOnlyList<DecisionView> Decisions(this EngineResult result) => Of(result, "OpsRunbooks.Backup.RetentionDecision", o => new DecisionView(o));

    public static IReadOnlyList<IntegrityView> Integrity(this EngineResult result) => Of(result, "OpsRunbooks.Verification.IntegrityReport", o => new IntegrityView(o));

    public static IReadOnlyList<FreshnessView> Freshness(this EngineResult result) => Of(result, "OpsRunbooks.Backup.BackupFreshnessResult", o => new FreshnessView(o));

    private static List<T> Of<T>(EngineResult result, string typeName, Func<PSObject, T> view) =>
        result.Output.Where(o => o.BaseObject.GetType().FullName == typeName).Select(view).ToList();
}
