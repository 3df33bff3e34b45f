using System.Security.Cryptography;

namespace OpsRunbooks.IO;

/// <summary>
/// A read-only pass-through that hashes and counts what is read from the inner stream, so stored bytes
/// are checked against their manifest in the same pass that uses them.
/// </summary>
public sealed class HashingReadStream(Stream inner) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    /// <summary>Lower-case hex SHA-256 of everything read so far.</summary>
    public string GetSha256() => Convert.ToHexString(_hash.GetCurrentHash()).ToLowerInvariant();

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Count(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(buffer.Span[..read]);
        return read;
    }

    /// <summary>Reads the rest of the inner stream, so the hash covers all of it.</summary>
    /// <param name="onChunk">Told after each read, for progress.</param>
    public async Task ReadToEndAsync(CancellationToken cancellationToken, Action? onChunk = null)
    {
        var buffer = new byte[1 << 16];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0) onChunk?.Invoke();
    }

    private void Count(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        BytesRead += data.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
