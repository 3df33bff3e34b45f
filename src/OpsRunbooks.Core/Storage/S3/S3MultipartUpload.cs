using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;
using OpsRunbooks.IO;

namespace OpsRunbooks.Storage.S3;

/// <summary>
/// A multipart upload fed by a write stream: each full part is uploaded in the background while the
/// next one fills, at most UploadConcurrency at a time, so memory stays at a few parts whatever the size.
/// </summary>
internal sealed class S3MultipartUpload : IArtifactUpload
{
    private readonly S3BackupStore _store;
    private readonly string _key;
    private readonly string _uploadId;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<byte[]> _freeBuffers = new();
    private readonly ConcurrentDictionary<int, PartETag> _etags = new();
    private readonly List<Task> _parts = new();
    private readonly CancellationTokenSource _abort;
    private readonly PartStream _content;
    private Exception? _failure;
    private long _sentBytes;
    private bool _finished;

    /// <param name="cancellationToken">Stops the parts in flight, and a writer waiting for a free slot.</param>
    public S3MultipartUpload(S3BackupStore store, string key, string uploadId, CancellationToken cancellationToken)
    {
        _abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _store = store;
        _key = key;
        _uploadId = uploadId;
        _slots = new SemaphoreSlim(store.Options.UploadConcurrency);
        _content = new PartStream(this);
    }

    public Stream Content => _content;

    private int PartSize => (int)Math.Min(_store.Options.PartSize, int.MaxValue);

    /// <summary>
    /// Completes the upload, never over an existing object (If-None-Match where the server supports it),
    /// then checks that the server holds as many bytes as were sent; when it does not, the object is
    /// deleted and the upload fails with StoreContentMismatch.
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        // S3 needs at least one part, which may be the only and a short one.
        if (_content.Filled > 0 || _parts.Count == 0) _content.SendCurrentPart();
        await Task.WhenAll(_parts).ConfigureAwait(false);
        ThrowIfFailed();
        CompleteMultipartUploadRequest Request(bool conditional) => new()
        {
            BucketName = _store.Options.Bucket,
            Key = _key,
            UploadId = _uploadId,
            PartETags = _etags.Values.OrderBy(p => p.PartNumber).ToList(),
            IfNoneMatch = conditional ? "*" : null,
        };
        var what = $"Completing the upload of '{_key}'";
        try
        {
            await _store.Retry.RunAsync(what, token => _store.Client.CompleteMultipartUploadAsync(Request(conditional: true), token), cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException e) when (e.ErrorId == StorageErrorIds.StoreOperationUnsupported)
        {
            await _store.Retry.RunAsync(what, token => _store.Client.CompleteMultipartUploadAsync(Request(conditional: false), token), cancellationToken).ConfigureAwait(false);
        }
        _finished = true;
        var stored = await _store.SizeOfAsync(_key, cancellationToken).ConfigureAwait(false);
        if (stored != _sentBytes)
        {
            await _store.Retry.RunAsync($"Deleting '{_key}'", token => _store.Client.DeleteObjectAsync(_store.Options.Bucket, _key, token), CancellationToken.None).ConfigureAwait(false);
            throw _store.ContentMismatch(_key, _sentBytes, stored ?? 0);
        }
    }

    public async Task<string?> AbortAsync()
    {
        if (_finished) return null;
        _finished = true;
        _abort.Cancel();
        try
        {
            await Task.WhenAll(_parts).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The parts' failures are what led here; the abort below is what matters now.
        }
        try
        {
            await _store.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _store.Options.Bucket, Key = _key, UploadId = _uploadId })
                .ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
        {
            return $"Could not abort the multipart upload '{_uploadId}' of '{_key}' in bucket '{_store.Options.Bucket}' ({e.Message}); its parts stay in the bucket until "
                + "a lifecycle rule removes incomplete uploads, or until it is aborted by hand (aws s3api abort-multipart-upload). No manifest was written, so it is not a backup.";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        _abort.Dispose();
        _slots.Dispose();
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
            throw failure is OpsException ? failure : new OpsException("S3UploadFailed", FailureKind.OperationFailed, $"Uploading '{_key}' failed: {failure.Message}", _key, failure);
    }

    private byte[] RentBuffer() => _freeBuffers.TryTake(out var buffer) ? buffer : new byte[PartSize];

    /// <summary>Starts uploading one full part; waits for a free slot first, which bounds memory.</summary>
    private void StartPart(int partNumber, byte[] buffer, int length)
    {
        ThrowIfFailed();
        try
        {
            _slots.Wait(_abort.Token);
        }
        catch (OperationCanceledException)
        {
            ThrowIfFailed();
            throw;
        }
        _parts.Add(Task.Run(async () =>
        {
            try
            {
                var response = await _store.Retry.RunAsync($"Uploading part {partNumber} of '{_key}'", token => _store.Client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _store.Options.Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartNumber = partNumber,
                    PartSize = length,
                    InputStream = new MemoryStream(buffer, 0, length, writable: false),
                    UseChunkEncoding = _store.Options.UseChunkEncoding,
                }, token), _abort.Token).ConfigureAwait(false);
                CheckPartETag(partNumber, buffer.AsSpan(0, length), response);
                _etags[partNumber] = new PartETag(partNumber, response.ETag);
                Interlocked.Add(ref _sentBytes, length);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                _abort.Cancel();
                throw;
            }
            finally
            {
                _freeBuffers.Add(buffer);
                _slots.Release();
            }
        }));
    }

    /// <summary>
    /// A part stored unencrypted or with SSE-S3 has the MD5 of its bytes as ETag (with SSE-KMS or SSE-C it
    /// has not, and is not compared): a different one means the server keeps other bytes than it was sent,
    /// found at the first part instead of after the whole upload.
    /// </summary>
    private void CheckPartETag(int partNumber, ReadOnlySpan<byte> part, UploadPartResponse response)
    {
        if (response.ServerSideEncryptionMethod is { } encryption && encryption != ServerSideEncryptionMethod.None && encryption != ServerSideEncryptionMethod.AES256)
            return;
        var etag = response.ETag?.Trim('"') ?? "";
        if (etag.Length != 32 || !etag.All(char.IsAsciiHexDigit)) return;
        var md5 = Convert.ToHexString(System.Security.Cryptography.MD5.HashData(part));
        if (!string.Equals(etag, md5, StringComparison.OrdinalIgnoreCase))
            throw _store.PartMismatch(_key, partNumber, part.Length, md5, etag);
    }

    private sealed class PartStream(S3MultipartUpload upload) : WriteOnlyStream
    {
        private byte[]? _buffer;
        private int _partNumber;

        public int Filled { get; private set; }

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                _buffer ??= upload.RentBuffer();
                var take = Math.Min(data.Length, _buffer.Length - Filled);
                data[..take].CopyTo(_buffer.AsSpan(Filled));
                Filled += take;
                data = data[take..];
                if (Filled == _buffer.Length) SendCurrentPart();
            }
        }

        public void SendCurrentPart()
        {
            _buffer ??= upload.RentBuffer();
            upload.StartPart(++_partNumber, _buffer, Filled);
            _buffer = null;
            Filled = 0;
        }
    }
}
