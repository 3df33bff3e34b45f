namespace OpsRunbooks.Environments;

/// <summary>
/// A store driver's part of an environment file's Store table: the key whose presence picks the driver, every
/// key the driver accepts, and how they make its <see cref="StoreDefinition"/>. Each driver declares its own
/// beside its code (Storage/&lt;Driver&gt;/) and is listed in <see cref="Storage.StoreSettings.Drivers"/>.
/// </summary>
public interface IStoreSettings
{
    /// <summary>What the driver stores into, for messages: "a local directory".</summary>
    string Kind { get; }

    /// <summary>The key that picks this driver: a Store table holds exactly one driver's.</summary>
    string SelectingKey { get; }

    /// <summary>Every key the driver accepts, <see cref="SelectingKey"/> included.</summary>
    IReadOnlyCollection<string> Keys { get; }

    StoreDefinition Read(SettingsTable store);
}
