using OpsRunbooks.Encryption;
using OpsRunbooks.IO;

namespace OpsRunbooks.Backup;

/// <summary>
/// Reads a stored backup back in one streamed pass: the stored bytes are hashed as they go by and, with
/// a key, decrypted into the pg_dump archive. Nothing is written to disk.
/// </summary>
public sealed class StoredBackupReader : IAsyncDisposable
{
    private StoredBackupReader(BackupRecord backup, HashingReadStream stored)
    {
        Backup = backup;
        Stored = stored;
    }

    public BackupRecord Backup { get; }

    /// <summary>The stored artifact, as read so far.</summary>
    public HashingReadStream Stored { get; }

    public static async Task<StoredBackupReader> OpenAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        var store = backup.RequireStore();
        Stream stream;
        try
        {
            stream = await store.OpenReadAsync(backup.ArtifactName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OpsException(BackupErrorIds.ArtifactMissing, FailureKind.NotFound,
                $"The artifact '{backup.ArtifactName}' of backup {backup.Id} is missing from {store.Location}.", backup, e);
        }
        return new StoredBackupReader(backup, new HashingReadStream(stream));
    }

    /// <summary>The pg_dump archive inside the stored bytes; reading it reads (and hashes) them.</summary>
    public Stream OpenArchive(OpenPgpPrivateKey key) => OpenPgpDecryptor.Open(new UndisposedStream(Stored), key);

    /// <summary>
    /// Reads whatever is left of the stored bytes and fails with <c>ChecksumMismatch</c> unless their size and
    /// SHA-256 are the manifest's.
    /// </summary>
    public async Task VerifyChecksumAsync(CancellationToken cancellationToken)
    {
        await Stored.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        var actual = Stored.GetSha256();
        if (Stored.BytesRead != Backup.StoredBytes || !string.Equals(actual, Backup.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new OpsException(BackupErrorIds.ChecksumMismatch, FailureKind.IntegrityFailed,
                $"The artifact '{Backup.ArtifactName}' has {Stored.BytesRead:N0} bytes with SHA-256 {actual}; its manifest says {Backup.StoredBytes:N0} bytes with SHA-256 {Backup.Sha256}.",
                Backup);
        }
    }

    public ValueTask DisposeAsync()
    {
        Stored.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Lets the decryptor close its view while the hashed stream stays open for the checksum.</summary>
    private sealed class UndisposedStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    }
}
