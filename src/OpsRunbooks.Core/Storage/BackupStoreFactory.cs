using OpsRunbooks.Environments;

namespace OpsRunbooks.Storage;

public static class BackupStoreFactory
{
    public static IBackupStore Create(StoreDefinition definition) => definition.Kind switch
    {
        "Local" => new LocalDirectoryStore(definition.Path),
        _ => throw new OpsException("StoreKindUnknown", FailureKind.InvalidArgument, $"Unknown store kind '{definition.Kind}'.", definition),
    };

    public static IBackupStore ForEnvironment(OpsEnvironment environment) =>
        environment.Store is { } definition
            ? Create(definition)
            : throw new OpsException("StoreMissing", FailureKind.InvalidArgument,
                $"The environment '{environment.Name}' ({environment.SourcePath}) names no Store; give -Store.", environment);
}
