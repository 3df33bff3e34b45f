namespace OpsRunbooks.Storage;

/// <summary>The error ids of the stores: one place, spelled once, so scripts can rely on them.</summary>
public static class StorageErrorIds
{
    public const string InvalidObjectName = "InvalidObjectName";
    public const string BackupObjectNotFound = "BackupObjectNotFound";
    public const string StoreOperationUnsupported = "StoreOperationUnsupported";
}
