using System.Net;
using System.Security.Cryptography;
using Amazon.S3.Model;
using OpsRunbooks.Backup;
using OpsRunbooks.Storage;
using OpsRunbooks.Storage.S3;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Storage;

[Collection(ServicesCollection.Name)]
public sealed class S3BackupStoreTests(ServicesFixture services)
{
    private S3BackupStore Store(string prefix, bool chunkEncoding = false, long partSize = S3StoreOptions.MinimumPartSize) =>
        new(new S3StoreOptions(S3Service.Bucket)
        {
            Prefix = prefix,
            Endpoint = services.S3.Endpoint,
            Credential = new S3Credential(S3Service.AccessKey, S3Service.SecretKey),
            PartSize = partSize,
            UploadConcurrency = 3,
            UseChunkEncoding = chunkEncoding,
            StorageClass = "STANDARD_IA",
            MaxAttempts = 2,
            RetryDelay = TimeSpan.FromMilliseconds(100),
        });

    private static string UniquePrefix() => "test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task AMultipartArtifactStoresExactlyTheBytesWritten()
    {
        using var store = Store(UniquePrefix());
        var data = RandomNumberGenerator.GetBytes(17 * 1024 * 1024 + 123); // four parts, the last one short
        await using (var upload = await store.BeginUploadAsync("db/a.dump.pgp", new Dictionary<string, string> { ["database"] = "db" }, CancellationToken.None))
        {
            for (var offset = 0; offset < data.Length; offset += 1_000_000)
                upload.Content.Write(data, offset, Math.Min(1_000_000, data.Length - offset));
            await upload.CompleteAsync(CancellationToken.None);
        }

        await using var read = await store.OpenReadAsync("db/a.dump.pgp", CancellationToken.None);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));

        var listed = await ListAsync(store, "");
        Assert.Equal(data.Length, Assert.Single(listed).Size);

        var head = await store.Client.GetObjectMetadataAsync(S3Service.Bucket, store.KeyOf("db/a.dump.pgp"));
        Assert.Equal("db", head.Metadata["database"]);
        Assert.Equal("STANDARD_IA", head.StorageClass?.Value);
    }

    [Fact]
    public async Task AnUploadIsInvisibleUntilCompletedAndAnAbortLeavesNothingListed()
    {
        using var store = Store(UniquePrefix());
        var upload = await store.BeginUploadAsync("db/b.dump.pgp", new Dictionary<string, string>(), CancellationToken.None);
        upload.Content.Write(new byte[6 * 1024 * 1024]);
        Assert.Empty(await ListAsync(store, ""));
        var note = await upload.AbortAsync();
        await upload.DisposeAsync();
        Assert.Empty(await ListAsync(store, ""));
        // s3rver does not implement AbortMultipartUpload: the store says so instead of failing.
        Assert.True(note is null || note.Contains("Could not abort", StringComparison.Ordinal), note);
    }

    [Fact]
    public async Task IncompleteUploadsOnAServerThatCannotListThemAreANamedError()
    {
        // s3rver implements neither ListMultipartUploads nor AbortMultipartUpload (AWS, MinIO and Ceph do).
        using var store = Store(UniquePrefix());
        await using var upload = await store.BeginUploadAsync("db/c.dump.pgp", new Dictionary<string, string>(), CancellationToken.None);
        upload.Content.Write(new byte[6 * 1024 * 1024]);

        var listing = await Assert.ThrowsAsync<OpsException>(async () =>
        {
            await foreach (var _ in store.ListIncompleteWritesAsync(CancellationToken.None)) { }
        });
        Assert.Equal(StorageErrorIds.StoreOperationUnsupported, listing.ErrorId);
        Assert.Contains("does not implement", listing.Message, StringComparison.Ordinal);

        var removal = await Assert.ThrowsAsync<OpsException>(() =>
            store.RemoveIncompleteWriteAsync(new IncompleteWrite("db/c.dump.pgp", DateTimeOffset.UtcNow, null, "no-such-upload"), CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreOperationUnsupported, removal.ErrorId);
    }

    [Fact]
    public async Task ListingPagesThroughMoreThanAThousandObjects()
    {
        using var store = Store(UniquePrefix());
        var names = Enumerable.Range(0, 1105).Select(i => $"many/{i:D5}.manifest.json").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (name, token) => await store.WriteObjectAsync(name, "{}"u8.ToArray(), token));
        var listed = await ListAsync(store, "many/");
        Assert.Equal(names, listed.Select(o => o.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WithoutChunkEncodingTheServerHoldsExactlyTheBytesSent()
    {
        using var store = Store(UniquePrefix(), chunkEncoding: false);
        var content = RandomNumberGenerator.GetBytes(100_000);
        await store.WriteObjectAsync("x/object.bin", content, CancellationToken.None);
        await using var read = await store.OpenReadAsync("x/object.bin", CancellationToken.None);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task DatabaseNamesThatLookLikePathsStayInsideThePrefix()
    {
        var prefix = UniquePrefix();
        using var store = Store(prefix);
        foreach (var database in new[] { "../etc", "..", "sub/../shop" })
        {
            var id = BackupNaming.NewId(database, DateTime.UtcNow);
            await store.WriteObjectAsync(BackupNaming.ManifestName(database, id), "{}"u8.ToArray(), CancellationToken.None);
        }
        var keys = (await store.Client.ListObjectsAsync(new ListObjectsRequest { BucketName = S3Service.Bucket })).S3Objects
            .Select(o => o.Key).Where(k => k.Contains("etc", StringComparison.Ordinal) || k.Contains("shop", StringComparison.Ordinal) || k.StartsWith("%2E", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, (await ListAsync(store, "")).Count);
        Assert.All(keys, key => Assert.StartsWith(prefix + "/", key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NonAsciiMetadataIsEncodedAndDecodes()
    {
        using var store = Store(UniquePrefix());
        await using (var upload = await store.BeginUploadAsync("caf%C3%A9/a.dump.pgp", new Dictionary<string, string> { ["database"] = "café ☕" }, CancellationToken.None))
        {
            upload.Content.Write("x"u8);
            await upload.CompleteAsync(CancellationToken.None);
        }
        var head = await store.Client.GetObjectMetadataAsync(S3Service.Bucket, store.KeyOf("caf%C3%A9/a.dump.pgp"));
        Assert.StartsWith("=?UTF-8?B?", head.Metadata["database"], StringComparison.Ordinal);
        Assert.Equal("café ☕", S3Metadata.Decode(head.Metadata["database"]));
        Assert.Equal("plain", S3Metadata.Decode(S3Metadata.Encode("plain")));
    }

    [Fact]
    public async Task AnObjectIsNeverWrittenOver()
    {
        using var store = Store(UniquePrefix());
        await store.WriteObjectAsync("db/m.manifest.json", "first"u8.ToArray(), CancellationToken.None);
        var again = await Assert.ThrowsAsync<OpsException>(() => store.WriteObjectAsync("db/m.manifest.json", "second"u8.ToArray(), CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreObjectExists, again.ErrorId);
        var artifact = await Assert.ThrowsAsync<OpsException>(() => store.BeginUploadAsync("db/m.manifest.json", new Dictionary<string, string>(), CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreObjectExists, artifact.ErrorId);
        await using var read = await store.OpenReadAsync("db/m.manifest.json", CancellationToken.None);
        Assert.Equal("first", await new StreamReader(read).ReadToEndAsync());
    }

    [Fact]
    public async Task AServerThatStoresOtherBytesThanSentFailsTheWriteAndKeepsNothing()
    {
        // s3rver keeps aws-chunked bodies undecoded: what it holds is larger than what was sent.
        using var store = Store(UniquePrefix(), chunkEncoding: true);
        var manifest = await Assert.ThrowsAsync<OpsException>(() => store.WriteObjectAsync("db/m.manifest.json", "{}"u8.ToArray(), CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreContentMismatch, manifest.ErrorId);
        Assert.Contains("-DisableChunkEncoding", manifest.Message, StringComparison.Ordinal);

        // Each part's ETag is the MD5 of what the server keeps: the first part already tells.
        var upload = await store.BeginUploadAsync("db/a.dump.pgp", new Dictionary<string, string>(), CancellationToken.None);
        upload.Content.Write(RandomNumberGenerator.GetBytes(6 * 1024 * 1024));
        var artifact = await Assert.ThrowsAsync<OpsException>(() => upload.CompleteAsync(CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreContentMismatch, artifact.ErrorId);
        Assert.Matches("answered part [12] of .* with the ETag", artifact.Message);
        Assert.Contains("-DisableChunkEncoding", artifact.Message, StringComparison.Ordinal);
        await upload.DisposeAsync();

        Assert.Empty(await ListAsync(store, ""));
    }

    [Fact]
    public void AStoreWithNeitherRegionNorEndpointIsANamedError()
    {
        var error = Assert.Throws<OpsException>(() => new S3BackupStore(new S3StoreOptions("bucket")));
        Assert.Equal(StorageErrorIds.S3RegionMissing, error.ErrorId);
    }

    [Fact]
    public async Task AnUploadStoppedByCancellationThatCannotBeAbortedNamesItsUploadId()
    {
        using var store = Store(UniquePrefix());
        using var stop = new CancellationTokenSource();
        var upload = await store.BeginUploadAsync("db/d.dump.pgp", new Dictionary<string, string>(), stop.Token);
        upload.Content.Write(new byte[6 * 1024 * 1024]);
        stop.Cancel();
        var note = await upload.AbortAsync();
        await upload.DisposeAsync();
        // s3rver cannot abort: the operator is told which upload is left.
        Assert.NotNull(note);
        Assert.Matches("multipart upload '[0-9a-f]{32}' of '.*db/d.dump.pgp'", note);
    }

    [Fact]
    public async Task MissingObjectsAndBucketsAreNamedErrors()
    {
        using var store = Store(UniquePrefix());
        var missing = await Assert.ThrowsAsync<OpsException>(() => store.OpenReadAsync("none", CancellationToken.None));
        Assert.Equal(FailureKind.NotFound, missing.Kind);

        using var noBucket = new S3BackupStore(store.Options with { Bucket = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..6] });
        var error = await Assert.ThrowsAsync<OpsException>(() => ListAsync(noBucket, ""));
        Assert.Equal("S3BucketNotFound", error.ErrorId);
    }

    [Fact]
    public async Task WrongCredentialsAreRefused()
    {
        using var store = new S3BackupStore(Store(UniquePrefix()).Options with { Credential = new S3Credential("NOT-A-KEY", "wrong-secret") });
        var error = await Assert.ThrowsAsync<OpsException>(() => store.WriteObjectAsync("x", new byte[1], CancellationToken.None));
        Assert.Equal("S3AccessDenied", error.ErrorId);
        Assert.DoesNotContain("wrong-secret", error.Message);
    }

    [Fact]
    public void APartSizeBelowTheS3MinimumIsRefused()
    {
        var error = Assert.Throws<OpsException>(() => Store("x", partSize: 1024 * 1024));
        Assert.Equal("S3PartSizeTooSmall", error.ErrorId);
    }

    private static async Task<List<StoredObject>> ListAsync(IBackupStore store, string prefix)
    {
        var items = new List<StoredObject>();
        await foreach (var item in store.ListAsync(prefix, CancellationToken.None)) items.Add(item);
        return items;
    }
}
