namespace OpsRunbooks.Storage.S3;

/// <summary>Where and how a store on S3-compatible object storage keeps its objects.</summary>
public sealed record S3StoreOptions(string Bucket)
{
    public const long MinimumPartSize = 5L * 1024 * 1024;
    public const long DefaultPartSize = 16L * 1024 * 1024;

    /// <summary>Key prefix under which the store's objects live ("" for the bucket root).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The service URL of an S3-compatible server; null for AWS itself.</summary>
    public string? Endpoint { get; init; }

    public string? Region { get; init; }

    /// <summary>The access key pair; null for the standard AWS credential chain.</summary>
    public S3Credential? Credential { get; init; }

    /// <summary>Storage class of the artifacts and manifests (STANDARD, STANDARD_IA, ...); null for the bucket's default.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Bytes per multipart part; memory use is about (UploadConcurrency + 1) parts.</summary>
    public long PartSize { get; init; } = DefaultPartSize;

    public int UploadConcurrency { get; init; } = 4;

    /// <summary>
    /// aws-chunked request bodies, as AWS S3 wants them. Some S3-compatible servers store such bodies
    /// undecoded (the object grows by the chunk framing); turn it off for those.
    /// </summary>
    public bool UseChunkEncoding { get; init; } = true;

    /// <summary>Attempts per request, transient failures (5xx, throttling, timeouts, refused connections) included.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The first pause between attempts; each further pause doubles it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The prefix as a key prefix: empty, or ending with one '/'.</summary>
    public string KeyPrefix => Prefix.Trim('/') is { Length: > 0 } trimmed ? trimmed + "/" : "";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
            throw new OpsException("S3BucketMissing", FailureKind.InvalidArgument, "An S3 store needs a bucket name.");
        if (PartSize < MinimumPartSize)
            throw new OpsException("S3PartSizeTooSmall", FailureKind.InvalidArgument, $"The part size must be at least {MinimumPartSize / (1024 * 1024)} MiB (S3's minimum for multipart uploads).", PartSize);
        if (UploadConcurrency < 1 || MaxAttempts < 1)
            throw new OpsException("S3OptionInvalid", FailureKind.InvalidArgument, "UploadConcurrency and MaxAttempts must be at least 1.");
    }
}
