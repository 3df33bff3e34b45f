using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using OpsRunbooks.Encryption;
using OpsRunbooks.IO;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Backup;

/// <summary>
/// pg_dump → OpenPGP → SHA-256 → store, in one pass with bounded memory; the manifest is written last and
/// is the commit point. On failure or cancellation pg_dump is killed and the partial artifact discarded.
/// </summary>
public static class DatabaseBackup
{
    private const int ChunkSize = 1 << 20;
    private const int ChunksInFlight = 8;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<BackupRecord> RunAsync(BackupRequest request, IProgress<BackupProgress> progress, CancellationToken cancellationToken)
    {
        var target = request.Target;
        var clock = Stopwatch.StartNew();
        var startedUtc = DateTime.UtcNow;
        void Report(string phase, long dumpBytes = 0, long storedBytes = 0) =>
            progress.Report(new BackupProgress(target.Database, phase, dumpBytes, storedBytes, clock.Elapsed));

        Report("Checking pg_dump and the server");
        // Asking pg_dump its version and connecting go side by side: both sit before the dump can start.
        var locating = PgTool.LocateAsync("pg_dump", request.PgDumpPath, cancellationToken);
        var connection = await PostgresConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        var serverVersion = connection.PostgreSqlVersion.ToString();
        SnapshotRowCounter counter;
        PgTool pgDump;
        try
        {
            pgDump = await locating.ConfigureAwait(false);
            pgDump.EnsureSupportsServer(PostgresConnector.MajorVersion(connection), serverVersion);
            counter = await SnapshotRowCounter.BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await using (counter.ConfigureAwait(false))
        {
            var id = BackupNaming.NewId(target.Database, startedUtc);
            var record = new BackupRecord
            {
                Id = id,
                Database = target.Database,
                Environment = request.Environment,
                Server = target.Host,
                Port = target.Port,
                ServerVersion = serverVersion,
                PgDumpVersion = pgDump.Version.ToString(),
                StartedUtc = startedUtc,
                EncryptionKeyFingerprint = request.EncryptionKey.Fingerprint,
                EncryptionKeyId = request.EncryptionKey.KeyId,
                Host = System.Environment.MachineName,
                User = System.Environment.UserName,
                DatabaseUser = target.Credential.UserName,
                ModuleVersion = ModuleInfo.Version,
                ArtifactName = BackupNaming.ArtifactName(target.Database, id),
                ManifestName = BackupNaming.ManifestName(target.Database, id),
                Store = request.Store,
            };

            var metadata = new Dictionary<string, string>
            {
                ["backup-type"] = "pg_dump-custom",
                ["database"] = target.Database,
                ["environment"] = request.Environment ?? "",
                ["module-version"] = ModuleInfo.Version,
            };
            await using var upload = await request.Store.BeginUploadAsync(record.ArtifactName, metadata, cancellationToken).ConfigureAwait(false);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var dump = PgClientProcess.StartDump(pgDump, target, counter.SnapshotId);
            var countTask = counter.CountRowsAsync(linked.Token);
            try
            {
                Report("Dumping");
                var hashing = new HashingStream(upload.Content);
                long dumpBytes;
                using (var encrypted = OpenPgpEncryptor.Open(hashing, request.EncryptionKey, id + ".dump"))
                {
                    dumpBytes = await CopyAsync(dump.Output, encrypted, written => Report("Dumping", written, hashing.BytesWritten), linked.Token).ConfigureAwait(false);
                    await dump.WaitForSuccessAsync(target, linked.Token).ConfigureAwait(false);
                }
                Report("Storing", dumpBytes, hashing.BytesWritten);
                await upload.CompleteAsync(linked.Token).ConfigureAwait(false);

                record.TableRowCounts = await countTask.ConfigureAwait(false);
                record.DumpBytes = dumpBytes;
                record.StoredBytes = hashing.BytesWritten;
                record.Sha256 = hashing.GetSha256();
                hashing.Dispose();
            }
            catch
            {
                linked.Cancel();
                dump.Kill();
                if (await upload.AbortAsync().ConfigureAwait(false) is { } note) request.OnWarning(note);
                await Task.WhenAny(countTask).ConfigureAwait(false);
                throw;
            }

            record.FinishedUtc = DateTime.UtcNow;
            record.Duration = clock.Elapsed;
            Report("Writing manifest", record.DumpBytes, record.StoredBytes);
            try
            {
                await request.Store.WriteObjectAsync(record.ManifestName, BackupManifestSerializer.Serialize(record), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Without its manifest the artifact is not a backup; do not leave it to take up space.
                await request.Store.DeleteAsync(record.ArtifactName, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            return record;
        }
    }

    /// <summary>
    /// Copies with a reader that keeps draining the source while the writer encrypts, so pg_dump never
    /// waits on encryption; returns the bytes copied. The reader blocks in plain reads on a thread of its
    /// own: pg_dump writes its pipe in small pieces, and waking an asynchronous read for each costs
    /// several times the CPU of the encryption itself.
    /// </summary>
    private static async Task<long> CopyAsync(Stream source, Stream destination, Action<long> onProgress, CancellationToken cancellationToken)
    {
        var chunks = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readerToken = stopReading.Token;
        var reader = Task.Factory.StartNew(() =>
        {
            try
            {
                while (true)
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    var length = source.ReadAtLeast(buffer.AsSpan(0, ChunkSize), ChunkSize, throwOnEndOfStream: false);
                    if (length == 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        break;
                    }
                    chunks.Writer.WriteAsync((buffer, length), readerToken).AsTask().GetAwaiter().GetResult();
                }
                chunks.Writer.Complete();
            }
            catch (Exception e)
            {
                chunks.Writer.Complete(e);
            }
        }, readerToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        long total = 0;
        var lastReport = Stopwatch.StartNew();
        try
        {
            await foreach (var (buffer, length) in chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                destination.Write(buffer, 0, length);
                ArrayPool<byte>.Shared.Return(buffer);
                total += length;
                if (lastReport.Elapsed >= ProgressInterval)
                {
                    onProgress(total);
                    lastReport.Restart();
                }
            }
        }
        catch
        {
            // The reader may sit in a pipe read that only ends when pg_dump is killed; do not wait for it.
            stopReading.Cancel();
            throw;
        }
        await reader.ConfigureAwait(false);
        onProgress(total);
        return total;
    }
}
