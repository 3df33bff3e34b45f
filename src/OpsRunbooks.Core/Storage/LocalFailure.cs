namespace OpsRunbooks.Storage;

/// <summary>Names the file-system failures an operator can act on; on Unix an IOException's HResult is the errno.</summary>
internal static class LocalFailure
{
    private const int NoSpace = 28;     // ENOSPC
    private const int ReadOnly = 30;    // EROFS
    private const int QuotaExceeded = 122; // EDQUOT

    public static OpsException Of(Exception e, string what, string location, string rootPath) => e switch
    {
        OpsException ops => ops,
        IOException { HResult: NoSpace or QuotaExceeded } =>
            new OpsException(StorageErrorIds.StoreFull, FailureKind.ResourceUnavailable,
                $"{what} in {location} failed: the file system is full ({e.Message}). What was written is removed; free space there or use another store, then run it again.", rootPath, e),
        IOException { HResult: ReadOnly } or UnauthorizedAccessException =>
            new OpsException(StorageErrorIds.StoreReadOnly, FailureKind.ResourceUnavailable,
                $"{what} in {location} failed: the store is not writable ({e.Message}). Make the directory writable for this user (or remount it read-write), or use another store.", rootPath, e),
        _ => new OpsException(StorageErrorIds.StoreWriteFailed, FailureKind.OperationFailed,
                $"{what} in {location} failed: {e.Message}", rootPath, e),
    };
}
