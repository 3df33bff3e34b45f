using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Postgres;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Verification;

/// <summary>
/// Proves that a stored backup can really be restored (what Test-BackupIntegrity runs). In order: the manifest; then, in one streamed pass
/// over the stored bytes (store → SHA-256 → OpenPGP decryption → `pg_restore --list` on standard input),
/// the checksum, the decryption with its integrity protection, and the archive's table of contents; then,
/// when asked, a test restore in a second streamed pass into a scratch database, whose row counts are
/// compared with the manifest's and which verification queries are run in. The scratch database is always
/// dropped. Nothing is written to disk. A failed check is a result; the checks that depend on it are Skipped.
/// </summary>
public static partial class BackupVerifier
{
    public const string ManifestCheck = "Manifest";
    public const string ChecksumCheck = "Checksum";
    public const string DecryptCheck = "Decrypt";
    public const string ArchiveCheck = "Archive";
    public const string RestoreCheck = "Restore";
    public const string RowCountsCheck = "RowCounts";
    public const string QueriesCheck = "VerificationQueries";

    private const int ChunkSize = 1 << 20;
    private static readonly string[] RestoreTestOptions = ["--no-owner", "--no-privileges"];
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<IntegrityReport> RunAsync(IntegrityRequest request, IProgress<IntegrityProgress> progress, CancellationToken cancellationToken)
    {
        var backup = request.Backup;
        var clock = Stopwatch.StartNew();
        void Report(string phase, long bytesRead = 0) =>
            progress.Report(new IntegrityProgress(backup.Database, backup.Id, phase, bytesRead, backup.StoredBytes, clock.Elapsed));

        // What the operator must fix is found before any byte is read: a missing pg_restore, a restore
        // server that cannot be reached or is too new for it. Those are errors, not findings about the backup.
        backup.RequireStore();
        if (request.RestoreServer is not null && request.DecryptionKey is null)
        {
            throw new OpsException(BackupErrorIds.DecryptionKeyMissing, FailureKind.InvalidArgument,
                $"A restore test of {backup.Id} needs the secret key the backup was encrypted to: give -DecryptionKey (or DecryptionKey in the environment file).", backup);
        }
        PgTool? pgRestore = null;
        if (request.DecryptionKey is not null)
        {
            Report("Checking pg_restore");
            pgRestore = await PgTool.LocateAsync("pg_restore", request.PgRestorePath, cancellationToken).ConfigureAwait(false);
        }
        if (request.RestoreServer is { } server)
        {
            Report("Connecting to the restore-test server");
            var version = await DatabaseAdministration.ServerVersionAsync(server, cancellationToken).ConfigureAwait(false);
            pgRestore!.EnsureSupportsServer(version.Major, version.ToString());
        }

        var checks = new List<IntegrityCheck>();
        Report("Reading the manifest");
        var (manifestResult, manifest) = await CheckManifestAsync(backup, cancellationToken).ConfigureAwait(false);
        checks.Add(manifestResult);
        if (manifest is null)
        {
            var reason = $"the manifest is not usable ({manifestResult.ErrorId})";
            checks.AddRange(SkippedAll(reason, ChecksumCheck, DecryptCheck, ArchiveCheck, RestoreCheck, RowCountsCheck, QueriesCheck));
            return Finish(backup, checks, clock, restoreTested: false);
        }

        Report("Checking", 0);
        var streamed = await CheckStoredBytesAsync(manifest, request.DecryptionKey, pgRestore, read => Report("Checking", read), cancellationToken).ConfigureAwait(false);
        checks.AddRange(streamed);

        if (request.RestoreServer is null)
        {
            checks.AddRange(SkippedAll("no restore test was asked for (-RestoreTest)", RestoreCheck, RowCountsCheck, QueriesCheck));
            return Finish(backup, checks, clock, restoreTested: false);
        }
        if (streamed.FirstOrDefault(c => c.Status != IntegrityCheckStatus.Passed) is { } blocking)
        {
            var reason = $"the {blocking.Name} check did not pass" + (blocking.ErrorId is null ? "" : $" ({blocking.ErrorId})");
            checks.AddRange(SkippedAll(reason, RestoreCheck, RowCountsCheck, QueriesCheck));
            return Finish(backup, checks, clock, restoreTested: false);
        }

        var scratch = DatabaseNames.Scratch(backup.Database, DateTime.UtcNow);
        var target = request.RestoreServer with { Database = scratch };
        var restoreDuration = await RestoreTestAsync(request, manifest, target, pgRestore!, checks, Report, cancellationToken).ConfigureAwait(false);
        return Finish(backup, checks, clock, restoreTested: true, restoreDuration, scratch);
    }

    private static IntegrityReport Finish(BackupRecord backup, List<IntegrityCheck> checks, Stopwatch clock, bool restoreTested,
        TimeSpan? restoreDuration = null, string? scratch = null) => new()
    {
        Backup = backup,
        Checks = checks,
        Duration = clock.Elapsed,
        RestoreTested = restoreTested,
        RestoreDuration = restoreDuration,
        ScratchDatabase = scratch,
    };

    private static IEnumerable<IntegrityCheck> SkippedAll(string reason, params string[] names) =>
        names.Select(name => new IntegrityCheck(name, IntegrityCheckStatus.Skipped, TimeSpan.Zero, "not run: " + reason));

    // ---------------------------------------------------------------------------------------------
    // Manifest

    /// <summary>Reads the manifest back from the store and checks it; returns the stored manifest when it is usable.</summary>
    private static async Task<(IntegrityCheck Check, BackupRecord? Manifest)> CheckManifestAsync(BackupRecord given, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        IntegrityCheck Failed(string errorId, string detail) => new(ManifestCheck, IntegrityCheckStatus.Failed, watch.Elapsed, detail, errorId);

        var store = given.Store!;
        if (string.IsNullOrEmpty(given.ManifestName))
            return (Failed(BackupErrorIds.ManifestMalformed, $"the backup {given.Id} names no manifest"), null);
        BackupRecord stored;
        try
        {
            using var content = new MemoryStream();
            await using (var stream = await store.OpenReadAsync(given.ManifestName, cancellationToken).ConfigureAwait(false))
                await stream.CopyToAsync(content, cancellationToken).ConfigureAwait(false);
            stored = BackupManifestSerializer.Deserialize(content.GetBuffer().AsSpan(0, (int)content.Length), given.ManifestName);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException || e is OpsException { ErrorId: StorageErrorIds.BackupObjectNotFound })
        {
            return (Failed(VerificationErrorIds.ManifestMissing, $"the manifest '{given.ManifestName}' is no longer in {store.Location}"), null);
        }
        catch (OpsException e) when (e.ErrorId == BackupErrorIds.ManifestMalformed)
        {
            return (Failed(e.ErrorId, e.Message), null);
        }
        stored.Store = store;

        var problems = ManifestProblems(stored, given).ToList();
        if (problems.Count > 0)
            return (Failed(BackupErrorIds.ManifestMalformed, $"the manifest '{given.ManifestName}': " + string.Join("; ", problems)), null);
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{stored.StoredBytes:N0} bytes stored, SHA-256 {stored.Sha256[..12]}…, {stored.TableRowCounts.Count} tables with row counts");
        return (new IntegrityCheck(ManifestCheck, IntegrityCheckStatus.Passed, watch.Elapsed, detail), stored);
    }

    private static IEnumerable<string> ManifestProblems(BackupRecord manifest, BackupRecord given)
    {
        if (manifest.FormatVersion != 1) yield return $"format version {manifest.FormatVersion} is not one this module reads (1)";
        if (manifest.Id != given.Id) yield return $"it is the manifest of backup '{manifest.Id}', not of '{given.Id}'";
        if (string.IsNullOrWhiteSpace(manifest.Database)) yield return "it names no database";
        if (!Sha256Pattern().IsMatch(manifest.Sha256)) yield return $"the SHA-256 '{manifest.Sha256}' is not 64 hexadecimal digits";
        if (manifest.StoredBytes <= 0) yield return $"the stored size {manifest.StoredBytes} is not more than 0";
        if (manifest.DumpBytes <= 0) yield return $"the dump size {manifest.DumpBytes} is not more than 0";
        if (!BackupNaming.IsInFolderOf(manifest.ArtifactName, manifest.Database, BackupNaming.ArtifactSuffix))
            yield return $"the artifact name '{manifest.ArtifactName}' is not a {BackupNaming.ArtifactSuffix} file in the folder of database '{manifest.Database}'";
        if (manifest.ManifestName != given.ManifestName) yield return $"it calls itself '{manifest.ManifestName}'";
        if (manifest.Encryption != "OpenPGP") yield return $"the encryption '{manifest.Encryption}' is not OpenPGP";
        if (manifest.StartedUtc == default || manifest.FinishedUtc < manifest.StartedUtc)
            yield return $"the times are not plausible (started {manifest.StartedUtc:o}, finished {manifest.FinishedUtc:o})";
        foreach (var (table, count) in manifest.TableRowCounts.Where(t => t.Value < 0))
            yield return $"the row count of {table} is {count}";
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    // ---------------------------------------------------------------------------------------------
    // Checksum, decryption and archive, in one pass

    private static async Task<IReadOnlyList<IntegrityCheck>> CheckStoredBytesAsync(BackupRecord manifest, OpenPgpPrivateKey? key, PgTool? pgRestore,
        Action<long> onBytesRead, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        StoredBackupReader reader;
        try
        {
            reader = await StoredBackupReader.OpenAsync(manifest, cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException e) when (e.ErrorId is BackupErrorIds.ArtifactMissing or StorageErrorIds.BackupObjectNotFound)
        {
            return
            [
                new IntegrityCheck(ChecksumCheck, IntegrityCheckStatus.Failed, watch.Elapsed, $"the artifact '{manifest.ArtifactName}' is missing from {manifest.Store!.Location}", BackupErrorIds.ArtifactMissing),
                .. SkippedAll("the artifact is missing", DecryptCheck, ArchiveCheck),
            ];
        }

        await using (reader.ConfigureAwait(false))
        {
            var throttle = Stopwatch.StartNew();
            void Tick()
            {
                if (throttle.Elapsed < ProgressInterval) return;
                throttle.Restart();
                onBytesRead(reader.Stored.BytesRead);
            }

            OpsException? decryptFailure = null;
            ArchiveListing? listing = null;
            if (key is not null)
            {
                try
                {
                    await using var archive = reader.OpenArchive(key);
                    listing = await ListArchiveAsync(archive, pgRestore!, manifest, Tick, cancellationToken).ConfigureAwait(false);
                }
                catch (OpsException e) when (e.ErrorId == OpenPgpDecryptor.FailedErrorId)
                {
                    decryptFailure = e;
                }
            }

            // Whatever decryption left unread (after a failure, or after the end of the literal data) is read and hashed too.
            await reader.Stored.ReadToEndAsync(cancellationToken, Tick).ConfigureAwait(false);
            onBytesRead(reader.Stored.BytesRead);

            var elapsed = watch.Elapsed;
            try
            {
                await reader.VerifyChecksumAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OpsException e) when (e.ErrorId == BackupErrorIds.ChecksumMismatch)
            {
                return
                [
                    new IntegrityCheck(ChecksumCheck, IntegrityCheckStatus.Failed, elapsed, e.Message, e.ErrorId),
                    .. SkippedAll("the stored bytes are not the ones the manifest describes (ChecksumMismatch)", DecryptCheck, ArchiveCheck),
                ];
            }

            var checks = new List<IntegrityCheck>
            {
                new(ChecksumCheck, IntegrityCheckStatus.Passed, elapsed, string.Create(CultureInfo.InvariantCulture,
                    $"{reader.Stored.BytesRead:N0} bytes with the manifest's SHA-256, read at {reader.Stored.BytesRead / 1048576.0 / Math.Max(elapsed.TotalSeconds, 0.001):N1} MiB/s")),
            };
            if (key is null)
            {
                checks.AddRange(SkippedAll("no decryption key was given (-DecryptionKey, or DecryptionKey in the environment file)", DecryptCheck, ArchiveCheck));
            }
            else if (decryptFailure is not null)
            {
                checks.Add(new IntegrityCheck(DecryptCheck, IntegrityCheckStatus.Failed, elapsed, decryptFailure.Message, decryptFailure.ErrorId));
                checks.AddRange(SkippedAll("the archive could not be decrypted (DecryptionFailed)", ArchiveCheck));
            }
            else
            {
                checks.Add(new IntegrityCheck(DecryptCheck, IntegrityCheckStatus.Passed, elapsed, string.Create(CultureInfo.InvariantCulture,
                    $"{listing!.ArchiveBytes:N0} bytes of archive decrypted with '{key.SourcePath}'; integrity protection (MDC) verified")));
                checks.Add(listing.Failure is { } failure
                    ? new IntegrityCheck(ArchiveCheck, IntegrityCheckStatus.Failed, elapsed, failure, VerificationErrorIds.ArchiveUnreadable)
                    : new IntegrityCheck(ArchiveCheck, IntegrityCheckStatus.Passed, elapsed, listing.Summary));
            }
            return checks;
        }
    }

    private sealed record ArchiveListing(long ArchiveBytes, string Summary, string? Failure);

    /// <summary>
    /// Feeds the archive to `pg_restore --list` and reads its table of contents. pg_restore stops reading
    /// once it has the table of contents; the rest of the archive is still read, so that the checksum and
    /// the integrity protection cover all of it.
    /// </summary>
    private static async Task<ArchiveListing> ListArchiveAsync(Stream archive, PgTool pgRestore, BackupRecord manifest, Action onChunk, CancellationToken cancellationToken)
    {
        using var list = PgClientProcess.StartList(pgRestore);
        var reading = ReadTableOfContentsAsync(list.Output, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        long total = 0;
        var accepting = true;
        try
        {
            int read;
            while ((read = await archive.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                onChunk();
                if (!accepting) continue;
                try
                {
                    await list.Input.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    accepting = false; // pg_restore has what it needs, or gave up: its exit code tells which.
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            try
            {
                await list.Input.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Already closed by pg_restore.
            }
        }

        var toc = await reading.ConfigureAwait(false);
        try
        {
            await list.WaitForSuccessAsync($"the archive of backup {manifest.Id}", cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException e) when (e.ErrorId == list.FailedErrorId)
        {
            return new ArchiveListing(total, "", "pg_restore --list could not read the archive: " + (list.Errors.Length > 0 ? list.Errors : e.Message));
        }
        return new ArchiveListing(total, Summarize(toc, manifest), null);
    }

    private static async Task<List<string>> ReadTableOfContentsAsync(Stream output, CancellationToken cancellationToken)
    {
        var entries = new List<string>();
        using var reader = new StreamReader(output);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0 && line[0] != ';') entries.Add(line);
        }
        return entries;
    }

    /// <summary>"412 entries: 9 tables, 9 with data", from lines such as "3345; 0 16390 TABLE DATA public orders owner".</summary>
    private static string Summarize(List<string> entries, BackupRecord manifest)
    {
        int tables = entries.Count(e => TocEntryPattern().Match(e) is { Success: true } m && m.Groups[1].Value == "TABLE ");
        int withData = entries.Count(e => TocEntryPattern().Match(e) is { Success: true } m && m.Groups[1].Value == "TABLE DATA ");
        var summary = $"{entries.Count} table-of-contents entries: {tables} tables, {withData} with data";
        return manifest.TableRowCounts.Count > 0 ? summary + $" (the manifest counts rows of {manifest.TableRowCounts.Count})" : summary;
    }

    [GeneratedRegex(@"^\d+; \d+ \d+ (TABLE DATA |TABLE )")]
    private static partial Regex TocEntryPattern();

    // ---------------------------------------------------------------------------------------------
    // Test restore

    /// <summary>
    /// Restores into <paramref name="target"/> (created here, and dropped again whatever happens), then compares
    /// row counts and runs the queries; returns the restore time, or null when the restore failed.
    /// </summary>
    private static async Task<TimeSpan?> RestoreTestAsync(IntegrityRequest request, BackupRecord manifest, PostgresTarget target, PgTool pgRestore,
        List<IntegrityCheck> checks, Action<string, long> report, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan? restoreDuration = null;
        var job = new StoredBackupRestoreJob(manifest, request.DecryptionKey!, pgRestore, target)
        {
            Options = RestoreTestOptions,
            DropAfterwards = true,
            OnWarning = request.OnWarning,
        };
        try
        {
            await StoredBackupRestore.IntoNewDatabaseAsync(job, (phase, storedBytesRead, _) => report(phase, storedBytesRead), async (restored, token) =>
            {
                restoreDuration = watch.Elapsed;
                checks.Add(new IntegrityCheck(RestoreCheck, IntegrityCheckStatus.Passed, watch.Elapsed, string.Create(CultureInfo.InvariantCulture,
                    $"restored into {restored.Database} on {restored.Host}:{restored.Port} in {watch.Elapsed.TotalSeconds:N1} s")));
                try
                {
                    await using var connection = await PostgresConnector.OpenAsync(restored, token).ConfigureAwait(false);
                    report("Counting rows", manifest.StoredBytes);
                    checks.Add(await CompareRowCountsAsync(connection, manifest, token).ConfigureAwait(false));
                    report("Running the verification queries", manifest.StoredBytes);
                    checks.Add(await RunQueriesAsync(connection, request.VerificationQueries, token).ConfigureAwait(false));
                }
                catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !token.IsCancellationRequested)
                {
                    throw PostgresConnector.Failure(e, restored);
                }
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException e) when (restoreDuration is null && e.ErrorId is PostgresErrorIds.PgRestoreFailed or OpenPgpDecryptor.FailedErrorId or BackupErrorIds.ChecksumMismatch)
        {
            checks.Add(new IntegrityCheck(RestoreCheck, IntegrityCheckStatus.Failed, watch.Elapsed, e.Message, e.ErrorId));
            checks.AddRange(SkippedAll($"the test restore failed ({e.ErrorId})", RowCountsCheck, QueriesCheck));
        }
        return restoreDuration;
    }

    private static async Task<IntegrityCheck> CompareRowCountsAsync(NpgsqlConnection connection, BackupRecord manifest, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (manifest.TableRowCounts.Count == 0)
            return new IntegrityCheck(RowCountsCheck, IntegrityCheckStatus.Skipped, watch.Elapsed, "not run: the manifest records no row counts");
        var restored = await TableRowCounts.CountAsync(connection, manifest.TableRowCounts.Keys, cancellationToken).ConfigureAwait(false);
        var differences = TableRowCounts.Differences(manifest.TableRowCounts, restored);
        return differences.Count > 0
            ? new IntegrityCheck(RowCountsCheck, IntegrityCheckStatus.Failed, watch.Elapsed, string.Join("; ", differences), PostgresErrorIds.RowCountMismatch)
            : new IntegrityCheck(RowCountsCheck, IntegrityCheckStatus.Passed, watch.Elapsed, string.Create(CultureInfo.InvariantCulture,
                $"{restored.Count} tables, {restored.Values.Sum():N0} rows, as the manifest says"));
    }

    private static async Task<IntegrityCheck> RunQueriesAsync(NpgsqlConnection connection, IReadOnlyList<string> queries, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        if (queries.Count == 0)
            return new IntegrityCheck(QueriesCheck, IntegrityCheckStatus.Skipped, watch.Elapsed, "not run: no verification query was given (-VerificationQuery)");
        var failures = new List<string>();
        foreach (var query in queries)
        {
            try
            {
                await using var command = new NpgsqlCommand(query, connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    failures.Add($"'{query}' returned no row");
                else if (reader.FieldCount > 0 && reader.GetFieldType(0) == typeof(bool) && (reader.IsDBNull(0) || !reader.GetBoolean(0)))
                    failures.Add($"'{query}' returned {(reader.IsDBNull(0) ? "NULL" : "false")}");
            }
            catch (PostgresException e)
            {
                failures.Add($"'{query}' failed: {e.MessageText}");
            }
        }
        return failures.Count > 0
            ? new IntegrityCheck(QueriesCheck, IntegrityCheckStatus.Failed, watch.Elapsed, string.Join("; ", failures), VerificationErrorIds.VerificationQueryFailed)
            : new IntegrityCheck(QueriesCheck, IntegrityCheckStatus.Passed, watch.Elapsed, $"{queries.Count} of {queries.Count} returned a row (and true where boolean)");
    }
}
