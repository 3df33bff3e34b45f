using System.Diagnostics;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Backup;

/// <summary>
/// Restores a stored backup into a database: store → SHA-256 → OpenPGP decryption → pg_restore, then the
/// checksum and the row counts are checked against the manifest.
/// <para>
/// A new target is created and restored into; if anything fails or the restore is cancelled it is dropped.
/// An existing target is replaced only when asked to (Force): it is first backed up into the backup's store
/// (the emergency backup), the backup is restored into a new database of a unique name, and only once that
/// restore is complete and verified are the two swapped by renaming, the old one dropped. Until the swap the
/// existing database is not touched.
/// </para>
/// </summary>
public static class DatabaseRestore
{
    /// <summary>
    /// Checks what can be checked without changing anything: the backup knows its store, the server answers,
    /// pg_restore is recent enough, and an existing target may be replaced (Force and a key for the
    /// emergency backup). Fails with the error that the restore itself would fail with.
    /// </summary>
    public static async Task<RestorePlan> PlanAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        var (backup, target) = (request.Backup, request.Target);
        backup.RequireStore();
        DatabaseNames.EnsureFits(target.Database, "target database");
        if (request.Jobs < 1)
            throw new OpsException(BackupErrorIds.RestoreJobsInvalid, FailureKind.InvalidArgument, $"Jobs is {request.Jobs}; give 1 or more.", request.Jobs);

        var locating = PgTool.LocateAsync("pg_restore", request.PgRestorePath, cancellationToken);
        string serverVersion;
        int serverMajor;
        await using (var connection = await PostgresConnector.OpenAsync(target, cancellationToken, "postgres").ConfigureAwait(false))
        {
            serverVersion = connection.PostgreSqlVersion.ToString();
            serverMajor = PostgresConnector.MajorVersion(connection);
        }
        var pgRestore = await locating.ConfigureAwait(false);
        if (request.AcrossMajorVersions && Version.TryParse(backup.ServerVersion, out var source))
            pgRestore.EnsureSupportsServer(source.Major, backup.ServerVersion);
        else
            pgRestore.EnsureSupportsServer(serverMajor, serverVersion);

        var exists = await DatabaseAdministration.ExistsAsync(target, target.Database, cancellationToken).ConfigureAwait(false);
        if (exists && !request.Force)
        {
            throw new OpsException(BackupErrorIds.TargetDatabaseExists, FailureKind.InvalidArgument,
                $"The database '{target.Database}' already exists on {target.Host}:{target.Port}; nothing was changed. Give another target database, " +
                "or -Force to replace it (it is backed up into the backup's store first, and replaced only once the restore succeeded).",
                target);
        }
        if (exists && request.EmergencyBackupKey is null)
        {
            throw new OpsException(BackupErrorIds.EncryptionKeyMissing, FailureKind.InvalidArgument,
                $"Replacing the existing database '{target.Database}' on {target.Host}:{target.Port} backs it up first, encrypted, and no key to encrypt to was given; " +
                "nothing was changed. Give -EncryptionKey (or an environment that names an EncryptionKey).",
                target);
        }
        return new RestorePlan(exists, serverVersion, pgRestore);
    }

    public static async Task<RestoreResult> RunAsync(RestoreRequest request, IProgress<RestoreProgress> progress, CancellationToken cancellationToken)
    {
        var (backup, target) = (request.Backup, request.Target);
        var clock = Stopwatch.StartNew();
        var startedUtc = DateTime.UtcNow;
        void Report(string phase, long storedBytesRead = 0, long archiveBytes = 0) =>
            progress.Report(new RestoreProgress(target.Database, phase, storedBytesRead, backup.StoredBytes, archiveBytes, clock.Elapsed));

        Report("Checking the backup, pg_restore and the server");
        var plan = await PlanAsync(request, cancellationToken).ConfigureAwait(false);

        BackupRecord? emergencyBackup = null;
        var into = target.Database;
        if (plan.TargetExists)
        {
            // The backup must open and decrypt with the key before the existing database is even backed up.
            await using (var probe = await StoredBackupReader.OpenAsync(backup, cancellationToken).ConfigureAwait(false))
                await probe.OpenArchive(request.DecryptionKey).DisposeAsync().ConfigureAwait(false);

            emergencyBackup = await BackUpExistingAsync(request, progress, clock, cancellationToken).ConfigureAwait(false);
            into = DatabaseNames.Restoring(target.Database, DateTime.UtcNow);
        }

        var restoreClock = Stopwatch.StartNew();
        var restored = await RestoreAsync(request, plan.PgRestore, into, Report, cancellationToken).ConfigureAwait(false);
        var restoreDuration = restoreClock.Elapsed;

        if (plan.TargetExists)
        {
            Report("Swapping");
            await SwapAsync(request, into).ConfigureAwait(false);
        }

        return new RestoreResult
        {
            Backup = backup,
            TargetDatabase = target.Database,
            Server = target.Host,
            Port = target.Port,
            StartedUtc = startedUtc,
            Duration = clock.Elapsed,
            RestoreDuration = restoreDuration,
            TableRowCounts = restored,
            RowCountsMatch = true,
            EmergencyBackup = emergencyBackup,
        };
    }

    private static async Task<BackupRecord> BackUpExistingAsync(RestoreRequest request, IProgress<RestoreProgress> progress, Stopwatch clock, CancellationToken cancellationToken)
    {
        var target = request.Target;
        var backupProgress = new ImmediateProgress<BackupProgress>(p =>
            progress.Report(new RestoreProgress(target.Database, "Emergency backup: " + p.Phase, 0, 0, p.DumpBytes, clock.Elapsed)));
        var emergency = await DatabaseBackup.RunAsync(
            new BackupRequest(target, request.Backup.Store!, request.EmergencyBackupKey!)
            {
                PgDumpPath = request.PgDumpPath,
                Environment = request.Environment,
                OnWarning = request.OnWarning,
            },
            backupProgress, cancellationToken).ConfigureAwait(false);
        request.OnStep($"Backed up the existing database '{target.Database}' as {emergency.Id} ({emergency.StoredBytes:N0} bytes) in {emergency.Store!.Location}.");
        request.OnEmergencyBackup(emergency);
        return emergency;
    }

    /// <summary>
    /// Creates <paramref name="into"/>, restores the backup into it and verifies it; returns its row counts.
    /// Drops it again on any failure or cancellation.
    /// </summary>
    private static Task<SortedDictionary<string, long>> RestoreAsync(RestoreRequest request, PgTool pgRestore, string into,
        Action<string, long, long> report, CancellationToken cancellationToken)
    {
        var backup = request.Backup;
        var job = new StoredBackupRestoreJob(backup, request.DecryptionKey, pgRestore, request.Target with { Database = into })
        {
            Options = request.NoOwner ? ["--no-owner", "--no-privileges"] : [],
            Jobs = request.Jobs,
            OnStep = request.OnStep,
            OnWarning = request.OnWarning,
        };
        return StoredBackupRestore.IntoNewDatabaseAsync(job, report, (restored, token) =>
        {
            report("Verifying row counts", backup.StoredBytes, 0);
            return VerifyRowCountsAsync(backup, restored, token);
        }, cancellationToken);
    }

    private static async Task<SortedDictionary<string, long>> VerifyRowCountsAsync(BackupRecord backup, PostgresTarget restored, CancellationToken cancellationToken)
    {
        var counts = await TableRowCounts.CountAsync(restored, backup.TableRowCounts.Keys, cancellationToken).ConfigureAwait(false);

        var differences = TableRowCounts.Differences(backup.TableRowCounts, counts);
        if (differences.Count > 0)
        {
            throw new OpsException(PostgresErrorIds.RowCountMismatch, FailureKind.IntegrityFailed,
                $"The restored database does not hold the rows the manifest of {backup.Id} lists ({string.Join("; ", differences)}); it was dropped.", backup);
        }
        return counts;
    }

    /// <summary>
    /// Puts the restored database in the target's place: the existing one is renamed aside, the restored one
    /// takes its name, and the old one is dropped. Not cancellable: it is short and must not stop halfway.
    /// </summary>
    private static async Task SwapAsync(RestoreRequest request, string restored)
    {
        var target = request.Target;
        var aside = DatabaseNames.Replaced(target.Database, DateTime.UtcNow);
        try
        {
            await DatabaseAdministration.RenameAsync(target, target.Database, aside, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await DropAsync(request, restored).ConfigureAwait(false);
            throw;
        }
        request.OnStep($"Renamed the existing database '{target.Database}' to '{aside}'.");
        try
        {
            await DatabaseAdministration.RenameAsync(target, restored, target.Database, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            try
            {
                await DatabaseAdministration.RenameAsync(target, aside, target.Database, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                throw new OpsException(BackupErrorIds.RestoreSwapFailed, FailureKind.OperationFailed,
                    $"The restored database '{restored}' could not be renamed to '{target.Database}' ({failure.Message}), and the existing database, renamed to '{aside}', " +
                    $"could not be renamed back ({e.Message}). Both are intact on {target.Host}:{target.Port}: rename one of them to '{target.Database}' by hand.", target, failure);
            }
            await DropAsync(request, restored).ConfigureAwait(false);
            throw new OpsException(BackupErrorIds.RestoreSwapFailed, FailureKind.OperationFailed,
                $"The restored database could not be renamed to '{target.Database}': {failure.Message}. The existing database is back under its name, unchanged.", target, failure);
        }
        request.OnStep($"Renamed the restored database '{restored}' to '{target.Database}'.");
        await DropAsync(request, aside).ConfigureAwait(false);
    }

    /// <summary>Drops a database the restore made or replaced; a failure becomes a warning that names it.</summary>
    private static async Task DropAsync(RestoreRequest request, string database)
    {
        var target = request.Target;
        try
        {
            await DatabaseAdministration.DropAsync(target, database, CancellationToken.None).ConfigureAwait(false);
            request.OnStep($"Dropped the database '{database}'.");
        }
        catch (OpsException e)
        {
            request.OnWarning($"The database '{database}' on {target.Host}:{target.Port} could not be dropped ({e.Message}); drop it by hand.");
        }
    }
}
