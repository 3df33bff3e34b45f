using OpsRunbooks.Environments;

namespace OpsRunbooks.Storage;

/// <summary>Store = @{ Path = '&lt;directory&gt;' }: a local directory, relative to the environment file unless absolute.</summary>
public sealed class LocalDirectoryStoreSettings : IStoreSettings
{
    public string Kind => "a local directory";
    public string SelectingKey => "Path";
    public IReadOnlyCollection<string> Keys { get; } = ["Path"];

    public StoreDefinition Read(SettingsTable store) => new LocalStoreDefinition(store.FilePath("Path")!);
}
