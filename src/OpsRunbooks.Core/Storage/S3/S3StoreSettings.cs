using OpsRunbooks.Environments;

namespace OpsRunbooks.Storage.S3;

/// <summary>Store = @{ S3Bucket = '&lt;bucket&gt;'; ... }: an S3 bucket, AWS or S3-compatible.</summary>
public sealed class S3StoreSettings : IStoreSettings
{
    public string Kind => "an S3 bucket";
    public string SelectingKey => "S3Bucket";

    public IReadOnlyCollection<string> Keys { get; } =
        ["S3Bucket", "Prefix", "Endpoint", "Region", "StorageClass", "PartSizeMB", "UploadConcurrency", "ChunkEncoding", "AccessKey", "SecretKey"];

    public StoreDefinition Read(SettingsTable store)
    {
        var defaults = new S3StoreOptions(store.RequiredText("S3Bucket"));
        var options = defaults with
        {
            Prefix = store.Text("Prefix") ?? "",
            Endpoint = store.Text("Endpoint"),
            Region = store.Text("Region"),
            StorageClass = store.Text("StorageClass"),
            PartSize = store.WholeNumber("PartSizeMB", 5, 5 * 1024) is { } megabytes ? megabytes * 1024L * 1024 : defaults.PartSize,
            UploadConcurrency = store.WholeNumber("UploadConcurrency", 1, 64) ?? defaults.UploadConcurrency,
            UseChunkEncoding = store.Flag("ChunkEncoding") ?? defaults.UseChunkEncoding,
        };
        // Both keys are resolved when the store is opened, so a file can be read where they are not set.
        var accessKey = store.Deferred("AccessKey", "a key id or a reference such as 'env:AWS_ACCESS_KEY_ID'");
        var secretKey = store.Secret("SecretKey", "env:AWS_SECRET_ACCESS_KEY");
        if ((accessKey is null) != (secretKey is null))
            throw store.Invalid("needs both AccessKey and SecretKey, or neither (for the standard AWS credential chain)");
        return new S3StoreDefinition(options,
            accessKey is null ? null : new SecretReference(accessKey, store.SourcePath, store.KeyPath("AccessKey")),
            secretKey);
    }
}
