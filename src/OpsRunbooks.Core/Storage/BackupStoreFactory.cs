using OpsRunbooks.Environments;

namespace OpsRunbooks.Storage;

public static class BackupStoreFactory
{
    public static IBackupStore Create(StoreDefinition definition) => definition.Kind switch
    {
        "Local" => new LocalDirectoryStore(definition.Path),
        _ => throw new OpsException("StoreKindUnknown", FailureKind.InvalidArgument, $"Unknown store kind '{definition.Kind}'.", definition),
    };
}
