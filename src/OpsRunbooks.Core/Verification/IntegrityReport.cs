using OpsRunbooks.Backup;

namespace OpsRunbooks.Verification;

public enum IntegrityCheckStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One check of an integrity test: what was checked, how it came out, how long it took, and why.</summary>
public sealed record IntegrityCheck(string Name, IntegrityCheckStatus Status, TimeSpan Duration, string Detail, string? ErrorId = null)
{
    public override string ToString() => $"{Name}: {Status}" + (Detail.Length > 0 ? $" ({Detail})" : "");
}

/// <summary>
/// What an integrity test found about one backup. A backup that fails a check is a report with
/// <see cref="Passed"/> false, naming the first failed check and its error id.
/// </summary>
public sealed class IntegrityReport
{
    public required BackupRecord Backup { get; init; }
    public string Database => Backup.Database;
    public string BackupId => Backup.Id;
    public DateTime BackupStartedUtc => Backup.StartedUtc;
    public required IReadOnlyList<IntegrityCheck> Checks { get; init; }

    /// <summary>True when no check failed (checks that were not asked for are Skipped).</summary>
    public bool Passed => FailedCheck is null;

    /// <summary>The name of the first check that failed, or null.</summary>
    public string? FailedCheck => Checks.FirstOrDefault(c => c.Status == IntegrityCheckStatus.Failed)?.Name;

    /// <summary>The error id of the first failed check (ChecksumMismatch, DecryptionFailed, ...), or null.</summary>
    public string? Cause => Checks.FirstOrDefault(c => c.Status == IntegrityCheckStatus.Failed)?.ErrorId;

    /// <summary>The detail of the first failed check, or null.</summary>
    public string? CauseDetail => Checks.FirstOrDefault(c => c.Status == IntegrityCheckStatus.Failed)?.Detail;

    /// <summary>Whether a test restore was made (it may still have failed).</summary>
    public bool RestoreTested { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>From creating the scratch database to pg_restore's successful end: the restore time objective this backup shows; null without a restore.</summary>
    public TimeSpan? RestoreDuration { get; init; }

    /// <summary>The scratch database the test restore went into (dropped afterwards); null without a restore test.</summary>
    public string? ScratchDatabase { get; init; }

    public override string ToString() => $"{Database} {BackupId}: " + (Passed ? "passed" : $"{FailedCheck} failed ({Cause})");
}

/// <summary>Where an integrity test is, for Write-Progress.</summary>
public sealed record IntegrityProgress(string Database, string BackupId, string Phase, long BytesRead, long TotalBytes, TimeSpan Elapsed);
