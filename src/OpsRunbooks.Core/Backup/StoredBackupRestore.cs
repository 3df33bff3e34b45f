using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using OpsRunbooks.Encryption;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Backup;

/// <summary>What to restore into a new database, and how.</summary>
public sealed record StoredBackupRestoreJob(BackupRecord Backup, OpenPgpPrivateKey DecryptionKey, PgTool PgRestore, PostgresTarget Into)
{
    /// <summary>More pg_restore options, such as --no-owner.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>pg_restore jobs; above 1 the archive is decrypted into a private temporary file first.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Whether the database is dropped after <c>verify</c> succeeded too (a scratch database), or only when something failed.</summary>
    public bool DropAfterwards { get; init; }

    /// <summary>Told each step that changes the server or the disk (created, decrypted into, dropped).</summary>
    public Action<string> OnStep { get; init; } = _ => { };

    /// <summary>Told of what could not be cleaned up (a database or a temporary directory), naming it.</summary>
    public Action<string> OnWarning { get; init; } = _ => { };
}

/// <summary>
/// The one way restores and restore tests put a stored backup into a database: the database is created, the
/// stored bytes are streamed (store → SHA-256 → OpenPGP decryption) into pg_restore, every stored byte is
/// checked against the manifest's size and SHA-256, and then the caller verifies the restored database. If
/// anything fails or is cancelled the database is dropped; when decrypting or pg_restore failed because the
/// stored bytes are not the manifest's, the failure is ChecksumMismatch.
/// </summary>
public static class StoredBackupRestore
{
    private const int ChunkSize = 1 << 20;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <param name="report">Told the phase, the stored bytes read and the archive bytes decrypted or fed.</param>
    /// <param name="verify">Checks the restored database once pg_restore and the checksum succeeded; its result is returned.</param>
    public static async Task<T> IntoNewDatabaseAsync<T>(StoredBackupRestoreJob job, Action<string, long, long> report,
        Func<PostgresTarget, CancellationToken, Task<T>> verify, CancellationToken cancellationToken)
    {
        var (backup, into) = (job.Backup, job.Into);
        DatabaseNames.EnsureFits(into.Database, "database to restore into");
        var options = new List<string>(job.Options);

        await using var reader = await StoredBackupReader.OpenAsync(backup, cancellationToken).ConfigureAwait(false);
        await using var archive = reader.OpenArchive(job.DecryptionKey);
        string? scratch = null;
        var created = false;
        try
        {
            string? archivePath = null;
            if (job.Jobs > 1)
            {
                // Parallel pg_restore seeks in its archive: it needs a file. Decrypt into a private one, and check
                // the checksum before anything is created on the server.
                scratch = Directory.CreateTempSubdirectory("opsrunbooks-restore-").FullName;
                if (!OperatingSystem.IsWindows()) // on Windows the user's temporary directory is private already
                    File.SetUnixFileMode(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                archivePath = Path.Combine(scratch, backup.Id + ".dump");
                job.OnStep($"Decrypting the backup into the temporary file '{archivePath}' for {job.Jobs} parallel jobs.");
                await DecryptToFileAsync(reader, archive, archivePath, report, cancellationToken).ConfigureAwait(false);
                report("Verifying the checksum", reader.Stored.BytesRead, 0);
                await reader.VerifyChecksumAsync(cancellationToken).ConfigureAwait(false);
                options.AddRange(["--jobs", job.Jobs.ToString(CultureInfo.InvariantCulture)]);
            }

            report("Creating the database", 0, 0);
            await DatabaseAdministration.CreateAsync(into, into.Database, cancellationToken).ConfigureAwait(false);
            created = true;
            job.OnStep($"Created the database '{into.Database}' on {into.Host}:{into.Port}.");

            if (archivePath is null)
                await StreamIntoAsync(reader, archive, job.PgRestore, into, options, report, cancellationToken).ConfigureAwait(false);
            else
                await RestoreFileAsync(job.PgRestore, into, options, archivePath, report, cancellationToken).ConfigureAwait(false);

            var result = await verify(into, cancellationToken).ConfigureAwait(false);
            if (job.DropAfterwards) await DropAsync(job).ConfigureAwait(false);
            return result;
        }
        catch
        {
            if (created) await DropAsync(job).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (scratch is not null) DeleteScratch(job, scratch);
        }
    }

    /// <summary>Feeds the decrypting stream to pg_restore's standard input, then checks the checksum of what was read.</summary>
    private static async Task StreamIntoAsync(StoredBackupReader reader, Stream archive, PgTool pgRestore, PostgresTarget into,
        List<string> options, Action<string, long, long> report, CancellationToken cancellationToken)
    {
        using var process = PgClientProcess.StartRestore(pgRestore, into, options);
        report("Restoring", reader.Stored.BytesRead, 0);
        try
        {
            await ArchiveRestore.FeedAsync(archive, process, into, fed => report("Restoring", reader.Stored.BytesRead, fed), cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException failure)
        {
            process.Kill();
            throw await DiagnoseAsync(reader, failure, cancellationToken).ConfigureAwait(false);
        }
        report("Verifying the checksum", reader.Stored.BytesRead, 0);
        await reader.VerifyChecksumAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task DecryptToFileAsync(StoredBackupReader reader, Stream archive, string path, Action<string, long, long> report, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var throttle = Stopwatch.StartNew();
        try
        {
            await using var file = new FileStream(path, options);
            long total = 0;
            int read;
            while ((read = await archive.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
                if (throttle.Elapsed < ProgressInterval) continue;
                report("Decrypting", reader.Stored.BytesRead, total);
                throttle.Restart();
            }
            report("Decrypting", reader.Stored.BytesRead, total);
        }
        catch (OpsException failure)
        {
            throw await DiagnoseAsync(reader, failure, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new OpsException(BackupErrorIds.BackupIOFailed, FailureKind.ResourceUnavailable,
                $"Decrypting the backup into the temporary file '{path}' for parallel jobs failed: {e.Message}. If the disk is full, free space under {Path.GetTempPath()} (or set TMPDIR), or restore with -Jobs 1, which writes nothing to disk.",
                path, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task RestoreFileAsync(PgTool pgRestore, PostgresTarget into, List<string> options, string archivePath,
        Action<string, long, long> report, CancellationToken cancellationToken)
    {
        report("Restoring", 0, 0);
        using var process = PgClientProcess.StartRestore(pgRestore, into, options, archivePath);
        await process.WaitForSuccessAsync(into, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// When decrypting or restoring failed, the stored bytes are read to their end: if they are not what the
    /// manifest says, that is the cause (ChecksumMismatch); otherwise the failure stands.
    /// </summary>
    private static async Task<Exception> DiagnoseAsync(StoredBackupReader reader, OpsException failure, CancellationToken cancellationToken)
    {
        try
        {
            await reader.VerifyChecksumAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException mismatch) when (mismatch.ErrorId == BackupErrorIds.ChecksumMismatch)
        {
            return new OpsException(mismatch.ErrorId, mismatch.Kind, $"{mismatch.Message} The restore stopped: {failure.Message}", mismatch.Target, failure);
        }
        catch (Exception e) when (e is IOException or OpsException)
        {
            // The artifact cannot be read to its end either; the original failure says more.
        }
        return failure;
    }

    /// <summary>Drops the database made here; a failure becomes a warning that names it.</summary>
    private static async Task DropAsync(StoredBackupRestoreJob job)
    {
        var into = job.Into;
        try
        {
            await DatabaseAdministration.DropAsync(into, into.Database, CancellationToken.None).ConfigureAwait(false);
            job.OnStep($"Dropped the database '{into.Database}'.");
        }
        catch (OpsException e)
        {
            job.OnWarning($"The database '{into.Database}' on {into.Host}:{into.Port} could not be dropped ({e.Message}); drop it by hand, or run Clear-BackupLeftover.");
        }
    }

    private static void DeleteScratch(StoredBackupRestoreJob job, string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            job.OnWarning($"The temporary directory '{directory}' holding the decrypted backup could not be deleted ({e.Message}); delete it by hand.");
        }
    }
}
