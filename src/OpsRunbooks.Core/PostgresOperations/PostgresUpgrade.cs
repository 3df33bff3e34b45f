using System.Diagnostics;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Postgres;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// What an upgrade moves: databases of a source server into a target server of the same or a newer major
/// version, through a fresh backup of each in a store.
/// </summary>
public sealed record UpgradeRequest(PostgresTarget Source, PostgresTarget Target, IBackupStore Store,
    OpenPgpPublicKey EncryptionKey, OpenPgpPrivateKey DecryptionKey)
{
    /// <summary>The databases to move; empty for every database of the source but the templates and 'postgres'.</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];
    public string? PgDumpPath { get; init; }
    public string? PgRestorePath { get; init; }

    /// <summary>The environment's name, recorded in the backups' manifests.</summary>
    public string? Environment { get; init; }
    public Action<string> OnStep { get; init; } = _ => { };
    public Action<string> OnWarning { get; init; } = _ => { };
}

/// <summary>The servers of an upgrade, checked, and the databases it will move.</summary>
public sealed record UpgradePlan(string SourceVersion, string TargetVersion, IReadOnlyList<string> Databases);

/// <summary>The report of one database moved by Invoke-PostgresUpgrade.</summary>
public sealed class PostgresUpgradeResult
{
    public required string Database { get; init; }
    public required string Source { get; init; }
    public required string Target { get; init; }
    public required string SourceVersion { get; init; }
    public required string TargetVersion { get; init; }

    /// <summary>The backup the database was moved through; it stays in the store as the pre-upgrade backup.</summary>
    public required string BackupId { get; init; }
    public required int Tables { get; init; }

    /// <summary>The rows of all tables, as the source held them when it was dumped.</summary>
    public required long Rows { get; init; }

    /// <summary>True when every table of the target holds as many rows as the source's did.</summary>
    public required bool RowCountsMatch { get; init; }

    /// <summary>The tables whose counts on the target differ from those the dump recorded; empty when they match.</summary>
    public required IReadOnlyList<string> Mismatches { get; init; }
    public required TimeSpan BackupDuration { get; init; }
    public required TimeSpan RestoreDuration { get; init; }
    public required TimeSpan Duration { get; init; }

    public override string ToString() => $"{Database}: {Source} ({SourceVersion}) → {Target} ({TargetVersion})";
}

/// <summary>
/// The dump/restore upgrade of the runbooks: for each database a fresh backup through the backup core (into the
/// store, checksummed and encrypted), a restore of it into a new database of that name on the target (the
/// restore core, which compares the restored row counts with those the dump recorded), and a report.
/// The target database must not exist: an upgrade never writes over a database.
/// </summary>
public static class PostgresUpgrade
{
    /// <summary>Checks both servers and lists the databases, changing nothing; fails as the upgrade would.</summary>
    public static async Task<UpgradePlan> PlanAsync(UpgradeRequest request, CancellationToken cancellationToken)
    {
        var (source, target) = (request.Source, request.Target);
        if (string.Equals(source.Host, target.Host, StringComparison.OrdinalIgnoreCase) && source.Port == target.Port)
            throw new OpsException(PostgresOperationsErrorIds.UpgradeSameServer, FailureKind.InvalidArgument,
                $"The source and the target are the same server ({source.Host}:{source.Port}); give the new server as the target.", target);
        var sourceVersion = await DatabaseAdministration.ServerVersionAsync(source, cancellationToken).ConfigureAwait(false);
        var targetVersion = await DatabaseAdministration.ServerVersionAsync(target, cancellationToken).ConfigureAwait(false);
        if (targetVersion.Major < sourceVersion.Major)
            throw new OpsException(PostgresOperationsErrorIds.UpgradeTargetOlder, FailureKind.InvalidArgument,
                $"The target {target.Host}:{target.Port} runs PostgreSQL {targetVersion}, older than the source's {sourceVersion}; "
                + "a dump cannot be restored into an older major version. Give the new server as the target.", target);

        var databases = request.Databases.Count > 0
            ? request.Databases
            : (await DatabaseAdministration.ListAsync(source, cancellationToken).ConfigureAwait(false))
                .Select(d => d.Name).Where(name => name != DatabaseServerResolver.MaintenanceDatabase).ToList();
        return new UpgradePlan(sourceVersion.ToString(), targetVersion.ToString(), databases);
    }

    /// <summary>Moves one database of the plan; fails with UpgradeTargetDatabaseExists before backing anything up when the target has it.</summary>
    public static async Task<PostgresUpgradeResult> MoveAsync(UpgradeRequest request, UpgradePlan plan, string database,
        IProgress<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (source, target) = (request.Source with { Database = database }, request.Target with { Database = database });
        if (await DatabaseAdministration.ExistsAsync(request.Target, database, cancellationToken).ConfigureAwait(false))
            throw new OpsException(PostgresOperationsErrorIds.UpgradeTargetDatabaseExists, FailureKind.ResourceExists,
                $"The database '{database}' exists on the target {target.Host}:{target.Port} already; nothing was changed. "
                + "Drop or rename it there first, or leave it out with -Database.", target);

        progress.Report($"Backing up {database} on {source.Host}:{source.Port}");
        var backup = await DatabaseBackup.RunAsync(new BackupRequest(source, request.Store, request.EncryptionKey)
        {
            PgDumpPath = request.PgDumpPath,
            Environment = request.Environment,
            OnWarning = request.OnWarning,
        }, new ImmediateProgress<BackupProgress>(p => progress.Report($"Backing up {database}: {p.Phase}")), cancellationToken).ConfigureAwait(false);
        var backupDuration = clock.Elapsed;
        request.OnStep($"Backed up {database} as {backup.Id} ({backup.StoredBytes:N0} bytes) in {request.Store.Location}.");

        progress.Report($"Restoring {database} into {target.Host}:{target.Port}");
        var restored = await DatabaseRestore.RunAsync(new RestoreRequest(backup, target, request.DecryptionKey)
        {
            AcrossMajorVersions = true,
            PgRestorePath = request.PgRestorePath,
            PgDumpPath = request.PgDumpPath,
            Environment = request.Environment,
            OnStep = request.OnStep,
            OnWarning = request.OnWarning,
        }, new ImmediateProgress<RestoreProgress>(p => progress.Report($"Restoring {database}: {p.Phase}")), cancellationToken).ConfigureAwait(false);

        var mismatches = TableRowCounts.Differences(backup.TableRowCounts, restored.TableRowCounts);
        return new PostgresUpgradeResult
        {
            Database = database,
            Source = $"{request.Source.Host}:{request.Source.Port}",
            Target = $"{request.Target.Host}:{request.Target.Port}",
            SourceVersion = plan.SourceVersion,
            TargetVersion = plan.TargetVersion,
            BackupId = backup.Id,
            Tables = backup.TableRowCounts.Count,
            Rows = backup.TableRowCounts.Values.Sum(),
            RowCountsMatch = mismatches.Count == 0,
            Mismatches = mismatches,
            BackupDuration = backupDuration,
            RestoreDuration = restored.RestoreDuration,
            Duration = clock.Elapsed,
        };
    }
}
