namespace OpsRunbooks.Storage;

/// <summary>The error ids of the stores: one place, spelled once, so scripts can rely on them.</summary>
public static class StorageErrorIds
{
    public const string InvalidObjectName = "InvalidObjectName";
    public const string DatabaseNameInvalid = "DatabaseNameInvalid";
    public const string BackupObjectNotFound = "BackupObjectNotFound";
    public const string StoreOperationUnsupported = "StoreOperationUnsupported";
    public const string StorePathNotADirectory = "StorePathNotADirectory";
    public const string StoreObjectExists = "StoreObjectExists";
    public const string StoreFull = "StoreFull";
    public const string StoreReadOnly = "StoreReadOnly";
    public const string StoreWriteFailed = "StoreWriteFailed";
    public const string StoreContentMismatch = "StoreContentMismatch";
    public const string StoreDefinitionAmbiguous = "StoreDefinitionAmbiguous";
    public const string S3RegionMissing = "S3RegionMissing";
}
