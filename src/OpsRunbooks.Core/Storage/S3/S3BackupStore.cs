using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace OpsRunbooks.Storage.S3;

/// <summary>
/// A store in an S3 bucket (AWS or S3-compatible). Artifacts go up as multipart uploads straight from the
/// backup stream, a part at a time; small objects in one PUT. Only completed objects are listed.
/// </summary>
public sealed class S3BackupStore : IBackupStore, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly S3Retry _retry;

    public S3BackupStore(S3StoreOptions options)
    {
        options.Validate();
        Options = options;
        _retry = new S3Retry(options);
        _client = CreateClient(options);
    }

    public S3StoreOptions Options { get; }

    public string Location => $"s3://{Options.Bucket}/{Options.KeyPrefix}" + (Options.Endpoint is null ? "" : $" at {Options.Endpoint}");

    public override string ToString() => Location;

    internal IAmazonS3 Client => _client;
    internal S3Retry Retry => _retry;

    public string KeyOf(string name) => Options.KeyPrefix + name;

    public async Task<IArtifactUpload> BeginUploadAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        await ThrowIfExistsAsync(name, cancellationToken).ConfigureAwait(false);
        var request = new InitiateMultipartUploadRequest { BucketName = Options.Bucket, Key = key };
        if (Options.StorageClass is { } storageClass) request.StorageClass = S3StorageClass.FindValue(storageClass);
        foreach (var (metadataName, value) in metadata) request.Metadata[metadataName] = S3Metadata.Encode(value);
        var response = await _retry.RunAsync($"Starting the upload of '{key}'", token => _client.InitiateMultipartUploadAsync(request, token), cancellationToken).ConfigureAwait(false);
        return new S3MultipartUpload(this, key, response.UploadId, cancellationToken);
    }

    /// <summary>
    /// Writes a small object once: never over an existing one (checked before, and refused by the server
    /// through If-None-Match where it supports that), then reads it back, so a server that stores something
    /// else than it was sent fails here instead of in a later restore.
    /// </summary>
    public async Task WriteObjectAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        await ThrowIfExistsAsync(name, cancellationToken).ConfigureAwait(false);
        await PutOnceAsync(key, content, cancellationToken).ConfigureAwait(false);
        byte[] stored;
        await using (var read = await OpenReadAsync(name, cancellationToken).ConfigureAwait(false))
        using (var copy = new MemoryStream())
        {
            await read.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            stored = copy.ToArray();
        }
        if (!content.Span.SequenceEqual(stored))
        {
            await DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
            throw ContentMismatch(key, content.Length, stored.Length);
        }
    }

    private async Task PutOnceAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        PutObjectRequest Request(bool conditional)
        {
            var request = new PutObjectRequest
            {
                BucketName = Options.Bucket,
                Key = key,
                InputStream = new MemoryStream(content.ToArray(), writable: false),
                UseChunkEncoding = Options.UseChunkEncoding,
                ContentType = "application/json",
            };
            if (conditional) request.IfNoneMatch = "*";
            if (Options.StorageClass is { } storageClass) request.StorageClass = S3StorageClass.FindValue(storageClass);
            return request;
        }
        try
        {
            await _retry.RunAsync($"Writing '{key}'", token => _client.PutObjectAsync(Request(conditional: true), token), cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException e) when (e.ErrorId == StorageErrorIds.StoreOperationUnsupported)
        {
            // A server that refuses conditional writes: the check before the write is all there is.
            await _retry.RunAsync($"Writing '{key}'", token => _client.PutObjectAsync(Request(conditional: false), token), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the server itself refuses to write over an object when asked with If-None-Match: *,
    /// tried on a probe object of that name, which is deleted afterwards.
    /// </summary>
    internal async Task<(StoreCapabilityStatus Status, string Detail)> ProbeConditionalPutAsync(string name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        Task Put(string text, bool conditional) => _retry.RunAsync($"Writing '{key}'", token => _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Options.Bucket,
            Key = key,
            ContentBody = text,
            UseChunkEncoding = Options.UseChunkEncoding,
            IfNoneMatch = conditional ? "*" : null,
        }, token), cancellationToken);
        try
        {
            await Put("first", conditional: false).ConfigureAwait(false);
            try
            {
                await Put("second", conditional: true).ConfigureAwait(false);
            }
            catch (OpsException e) when (e.ErrorId == StorageErrorIds.StoreObjectExists)
            {
                return (StoreCapabilityStatus.Passed, "the server refused to write over an object (If-None-Match: *)");
            }
            return (StoreCapabilityStatus.Unsupported, "the server ignored If-None-Match: * and wrote over the object; backups still never write over one, "
                + "as the store looks before it writes, and ids carry random digits so two backups do not share a name");
        }
        finally
        {
            await DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The size the server reports for an object, or null when there is none.</summary>
    internal async Task<long?> SizeOfAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _retry.RunAsync($"Looking up '{key}'",
                token => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Options.Bucket, Key = key }, token), cancellationToken).ConfigureAwait(false);
            return head.ContentLength;
        }
        catch (OpsException e) when (e.ErrorId == StorageErrorIds.BackupObjectNotFound)
        {
            return null;
        }
    }

    private async Task ThrowIfExistsAsync(string name, CancellationToken cancellationToken)
    {
        if (await SizeOfAsync(KeyOf(name), cancellationToken).ConfigureAwait(false) is not null)
            throw new OpsException(StorageErrorIds.StoreObjectExists, FailureKind.ResourceExists,
                $"'{name}' already exists in {Location}; nothing was written over it. Run the backup again: it gets a new id.", name);
    }

    internal OpsException ContentMismatch(string key, long sent, long stored) =>
        Mismatch(key, $"{Location} holds {stored:N0} bytes for '{key}' where {sent:N0} were sent");

    internal OpsException PartMismatch(string key, int partNumber, int length, string md5, string etag) =>
        Mismatch(key, $"{Location} answered part {partNumber} of '{key}' ({length:N0} bytes, MD5 {md5.ToLowerInvariant()}) with the ETag {etag}");

    private OpsException Mismatch(string key, string what) =>
        new(StorageErrorIds.StoreContentMismatch, FailureKind.IntegrityFailed,
            what + ": the server changed what it was given, so it is not kept as a backup (what was written is deleted, or its upload aborted). "
            + (Options.UseChunkEncoding
                ? "This server seems to store aws-chunked bodies as they come: send plain bodies (New-BackupStore -DisableChunkEncoding, or ChunkEncoding = $false in the environment's Store). "
                : "")
            + "Test-BackupStore checks what a store can be trusted with.", key);

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // ListObjects (v1) paged by marker: every S3-compatible server implements it the same way.
        var request = new ListObjectsRequest { BucketName = Options.Bucket, Prefix = KeyOf(prefix) };
        while (true)
        {
            var response = await _retry.RunAsync($"Listing {Location}", token => _client.ListObjectsAsync(request, token), cancellationToken).ConfigureAwait(false);
            var items = response.S3Objects ?? [];
            foreach (var item in items)
                yield return new StoredObject(item.Key[Options.KeyPrefix.Length..], item.Size ?? 0, item.LastModified?.ToUniversalTime() ?? DateTime.MinValue);
            if (response.IsTruncated != true || items.Count == 0) yield break;
            request.Marker = items[^1].Key;
        }
    }

    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        var response = await _retry.RunAsync($"Reading '{key}'",
            token => _client.GetObjectAsync(new GetObjectRequest { BucketName = Options.Bucket, Key = key }, token), cancellationToken).ConfigureAwait(false);
        return new ResponseStream(response);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        return _retry.RunAsync($"Deleting '{key}'",
            token => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Options.Bucket, Key = key }, token), cancellationToken);
    }

    public async IAsyncEnumerable<IncompleteWrite> ListIncompleteWritesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListMultipartUploadsRequest { BucketName = Options.Bucket, Prefix = Options.KeyPrefix };
        while (true)
        {
            var response = await _retry.RunAsync($"Listing the incomplete uploads of {Location}",
                token => _client.ListMultipartUploadsAsync(request, token), cancellationToken).ConfigureAwait(false);
            foreach (var upload in response.MultipartUploads ?? [])
                yield return new IncompleteWrite(upload.Key[Options.KeyPrefix.Length..],
                    new DateTimeOffset(upload.Initiated?.ToUniversalTime() ?? DateTime.MinValue, TimeSpan.Zero), Size: null, upload.UploadId);
            if (response.IsTruncated != true) yield break;
            request.KeyMarker = response.NextKeyMarker;
            request.UploadIdMarker = response.NextUploadIdMarker;
        }
    }

    public async Task RemoveIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken)
    {
        if (write.UploadId is not { Length: > 0 } uploadId)
            throw new OpsException(StorageErrorIds.InvalidObjectName, FailureKind.InvalidArgument,
                $"'{write.Key}' names no multipart upload id, so it is not an incomplete write in {Location}. Nothing was removed.", write);
        var key = KeyOf(write.Key);
        try
        {
            await _retry.RunAsync($"Aborting the upload '{uploadId}' of '{key}'", token => _client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = Options.Bucket, Key = key, UploadId = uploadId }, token), cancellationToken).ConfigureAwait(false);
        }
        catch (OpsException e) when (e.ErrorId == StorageErrorIds.BackupObjectNotFound)
        {
            // Completed or aborted by someone else in the meantime: nothing is left to remove.
        }
    }

    public void Dispose() => _client.Dispose();

    private static AmazonS3Client CreateClient(S3StoreOptions options)
    {
        var config = new AmazonS3Config
        {
            MaxErrorRetry = 0,
            Timeout = options.RequestTimeout,
            // The store checksums whole artifacts itself; per-request checksums only where S3 requires them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (options.Region is { } region)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }
        try
        {
            return options.Credential is { } credential
                ? new AmazonS3Client(credential.ToAwsCredentials(), config)
                : new AmazonS3Client(config);
        }
        catch (AmazonClientException e)
        {
            throw new OpsException(StorageErrorIds.S3RegionMissing, FailureKind.InvalidArgument,
                $"The S3 store for bucket '{options.Bucket}' has no region and no endpoint ({e.Message}). Give -Region (Region in an environment's Store), "
                + "or -Endpoint for an S3-compatible server, or set AWS_REGION.", options.Bucket, e);
        }
    }

    /// <summary>The body of a GET, disposing the response with it.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _body = response.ResponseStream;

        public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => _body.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _body.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _body.ReadAsync(buffer, offset, count, cancellationToken);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) response.Dispose();
            base.Dispose(disposing);
        }
    }
}
