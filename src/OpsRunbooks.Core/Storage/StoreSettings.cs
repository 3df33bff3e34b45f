using OpsRunbooks.Environments;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.Storage;

/// <summary>The store drivers an environment file's Store table may pick, each reading its own keys.</summary>
public static class StoreSettings
{
    public static readonly IReadOnlyList<IStoreSettings> Drivers = [new LocalDirectoryStoreSettings(), new S3StoreSettings()];
}
