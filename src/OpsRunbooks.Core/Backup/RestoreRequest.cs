using OpsRunbooks.Encryption;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Backup;

/// <summary>
/// Restore <see cref="Backup"/> into <c>Target.Database</c> on the server <see cref="Target"/> names, decrypting
/// it with <see cref="DecryptionKey"/>.
/// </summary>
public sealed record RestoreRequest(BackupRecord Backup, PostgresTarget Target, OpenPgpPrivateKey DecryptionKey)
{
    /// <summary>Replace the target database when it exists (after an emergency backup of it); refused otherwise.</summary>
    public bool Force { get; init; }

    /// <summary>The key the emergency backup of an existing target is encrypted to; required to replace one.</summary>
    public OpenPgpPublicKey? EmergencyBackupKey { get; init; }

    /// <summary>pg_restore jobs; above 1 the archive is decrypted into a private temporary file first.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Leave out ownership and privileges (pg_restore --no-owner --no-privileges).</summary>
    public bool NoOwner { get; init; }

    /// <summary>pg_restore to use; found on PATH or under /usr/lib/postgresql when null.</summary>
    public string? PgRestorePath { get; init; }

    /// <summary>
    /// An upgrade across major versions: pg_restore needs to be only as new as the server the backup was made
    /// from (it reads that archive), not as new as the target, so a server newer than the installed clients
    /// can be restored into.
    /// </summary>
    public bool AcrossMajorVersions { get; init; }

    /// <summary>pg_dump for the emergency backup; found like pg_restore when null.</summary>
    public string? PgDumpPath { get; init; }

    /// <summary>The environment the emergency backup is recorded under.</summary>
    public string? Environment { get; init; }

    /// <summary>Told each step that changes the server (created, backed up, renamed, dropped).</summary>
    public Action<string> OnStep { get; init; } = _ => { };

    /// <summary>Told of the emergency backup as soon as it is stored, before the restore starts.</summary>
    public Action<BackupRecord> OnEmergencyBackup { get; init; } = _ => { };

    /// <summary>Told of what the operator should know but that does not fail the restore, such as incomplete cleanup.</summary>
    public Action<string> OnWarning { get; init; } = _ => { };
}

/// <summary>What a restore will do, found out before anything changes.</summary>
public sealed record RestorePlan(bool TargetExists, string ServerVersion, PgTool PgRestore);

/// <summary>A restore that succeeded: where the backup went, what it holds now, and what it replaced.</summary>
public sealed class RestoreResult
{
    public required BackupRecord Backup { get; init; }
    public string BackupId => Backup.Id;

    /// <summary>The database the backup was made of.</summary>
    public string Database => Backup.Database;
    public required string TargetDatabase { get; init; }
    public required string Server { get; init; }
    public required int Port { get; init; }
    public required DateTime StartedUtc { get; init; }

    /// <summary>All of it: checks, emergency backup, restore, verification and swap.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Reading, decrypting and restoring the backup, and counting its rows.</summary>
    public required TimeSpan RestoreDuration { get; init; }

    /// <summary>Rows per table of the restored database, counted after the restore.</summary>
    public required SortedDictionary<string, long> TableRowCounts { get; init; }

    /// <summary>Whether the restored counts equal the manifest's; a restore whose counts differ fails instead.</summary>
    public required bool RowCountsMatch { get; init; }

    /// <summary>The backup of the database that was replaced, made first; null when the target was new.</summary>
    public BackupRecord? EmergencyBackup { get; init; }

    /// <summary>Whether an existing database was replaced.</summary>
    public bool ReplacedExisting => EmergencyBackup is not null;

    public override string ToString() => $"{BackupId} → {TargetDatabase} on {Server}:{Port}";
}

/// <summary>
/// Where a running restore is: its phase and how many stored and decrypted bytes have gone through. During the
/// emergency backup, ArchiveBytes counts the bytes dumped and nothing is read yet.
/// </summary>
public sealed record RestoreProgress(string TargetDatabase, string Phase, long StoredBytesRead, long StoredBytes, long ArchiveBytes, TimeSpan Elapsed)
{
    /// <summary>Percent of the stored artifact read, or -1 when this phase does not read it.</summary>
    public int PercentComplete => StoredBytes > 0 && StoredBytesRead > 0 ? (int)Math.Min(100, StoredBytesRead * 100 / StoredBytes) : -1;
}
