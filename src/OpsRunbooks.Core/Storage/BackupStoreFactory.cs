using OpsRunbooks.Environments;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.Storage;

public static class BackupStoreFactory
{
    public static IBackupStore Create(StoreDefinition definition) => definition switch
    {
        LocalStoreDefinition local => new LocalDirectoryStore(local.Path),
        S3StoreDefinition s3 => new S3BackupStore(s3.Resolve()),
        _ => throw new OpsException("StoreKindUnknown", FailureKind.InvalidArgument, $"Unknown kind of store '{definition}'.", definition),
    };

    public static IBackupStore ForEnvironment(OpsEnvironment environment) =>
        environment.Store is { } definition
            ? Create(definition)
            : throw new OpsException("StoreMissing", FailureKind.InvalidArgument,
                $"The environment '{environment.Name}' ({environment.SourcePath}) names no Store; give -Store.", environment);
}
