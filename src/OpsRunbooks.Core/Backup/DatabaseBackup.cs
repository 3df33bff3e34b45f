using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using OpsRunbooks.Encryption;
using OpsRunbooks.IO;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Backup;

/// <summary>
/// pg_dump → compression and row counts → OpenPGP → SHA-256 → store, in one pass with bounded memory;
/// the manifest is written last and is the commit point. On failure or cancellation pg_dump is killed and the partial artifact discarded.
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
        string serverVersion;
        PgTool pgDump;
        await using (var connection = await PostgresConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false))
        {
            serverVersion = connection.PostgreSqlVersion.ToString();
            pgDump = await locating.ConfigureAwait(false);
            pgDump.EnsureSupportsServer(PostgresConnector.MajorVersion(connection), serverVersion);
        }

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
        using var dump = PgClientProcess.StartDump(pgDump, target);
        try
        {
            Report("Dumping");
            var hashing = new HashingStream(upload.Content);
            long archiveBytes;
            using (var encrypted = OpenPgpEncryptor.Open(hashing, request.EncryptionKey, id + ".dump"))
            {
                (record.TableRowCounts, archiveBytes) = await CompressAsync(dump, target, encrypted,
                    written => Report("Dumping", written, hashing.BytesWritten), cancellationToken).ConfigureAwait(false);
                await dump.WaitForSuccessAsync(target, cancellationToken).ConfigureAwait(false);
            }
            Report("Storing", archiveBytes, hashing.BytesWritten);
            await upload.CompleteAsync(cancellationToken).ConfigureAwait(false);

            record.DumpBytes = archiveBytes;
            record.StoredBytes = hashing.BytesWritten;
            record.Sha256 = hashing.GetSha256();
            hashing.Dispose();
        }
        catch
        {
            dump.Kill();
            if (await upload.AbortAsync().ConfigureAwait(false) is { } note) request.OnWarning(note);
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

    /// <summary>
    /// Compresses pg_dump's archive and counts its rows (<see cref="CustomArchiveCompressor"/>) on a thread
    /// of its own, while this one encrypts and stores what it hands over in 1 MiB chunks; returns the row
    /// counts and the bytes of the compressed archive. The thread blocks in plain reads of pg_dump's pipe:
    /// pg_dump writes it in small pieces, and waking an asynchronous read for each costs several times the
    /// CPU of the encryption itself.
    /// </summary>
    private static async Task<(SortedDictionary<string, long> RowCounts, long ArchiveBytes)> CompressAsync(
        PgClientProcess dump, PostgresTarget target, Stream destination, Action<long> onProgress, CancellationToken cancellationToken)
    {
        var chunks = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
        using var stopCompressing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var compressorToken = stopCompressing.Token;
        var compressor = Task.Factory.StartNew(() =>
        {
            try
            {
                using var handOver = new ChunkChannelStream(chunks.Writer, compressorToken);
                var rowCounts = CustomArchiveCompressor.Compress(dump.Output, handOver, compressorToken);
                handOver.Complete();
                return rowCounts;
            }
            catch (Exception e)
            {
                chunks.Writer.TryComplete(e);
                throw;
            }
        }, compressorToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

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
        catch (EndOfStreamException e)
        {
            // The archive stopped short: pg_dump failed, and its own error says why.
            await dump.WaitForSuccessAsync(target, cancellationToken).ConfigureAwait(false);
            throw new OpsException(PostgresErrorIds.DumpArchiveUnreadable, FailureKind.InvalidData,
                $"pg_dump of {target} ended its archive early, yet exited successfully.", target, e);
        }
        catch
        {
            // The compressor may sit in a pipe read that only ends when pg_dump is killed; do not wait for it.
            stopCompressing.Cancel();
            throw;
        }
        var counts = await compressor.ConfigureAwait(false);
        onProgress(total);
        return (counts, total);
    }

    /// <summary>Hands what is written over to the channel in 1 MiB chunks from the shared array pool.</summary>
    private sealed class ChunkChannelStream(ChannelWriter<(byte[] Buffer, int Length)> chunks, CancellationToken cancellationToken) : WriteOnlyStream
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        private int _length;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                var piece = Math.Min(buffer.Length, ChunkSize - _length);
                buffer[..piece].CopyTo(_buffer.AsSpan(_length));
                _length += piece;
                buffer = buffer[piece..];
                if (_length == ChunkSize) HandOver();
            }
        }

        public override void WriteByte(byte value) => Write([value]);

        /// <summary>Hands over the last, partial chunk and ends the channel.</summary>
        public void Complete()
        {
            if (_length > 0) HandOver();
            chunks.Complete();
        }

        private void HandOver()
        {
            chunks.WriteAsync((_buffer, _length), cancellationToken).AsTask().GetAwaiter().GetResult();
            _buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            _length = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) ArrayPool<byte>.Shared.Return(_buffer);
            base.Dispose(disposing);
        }
    }
}
