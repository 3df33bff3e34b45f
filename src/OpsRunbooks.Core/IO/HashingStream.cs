using System.Security.Cryptography;

namespace OpsRunbooks.IO;

/// <summary>
/// A write-only pass-through that hashes and counts what goes to the inner stream, so the checksum in
/// a manifest is of exactly the stored bytes without reading them back.
/// </summary>
public sealed class HashingStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public HashingStream(Stream inner) => _inner = inner;

    public long BytesWritten { get; private set; }

    /// <summary>Lower-case hex SHA-256 of everything written so far.</summary>
    public string GetSha256() => Convert.ToHexString(_hash.GetCurrentHash()).ToLowerInvariant();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _inner.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Length => BytesWritten;

    protected override void Dispose(bool disposing)
    {
        // The inner stream belongs to the store's upload, which commits or aborts it.
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
