using System.Collections;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Environments;

/// <summary>
/// Turns the data of an environment file (already parsed, without running code) into an
/// <see cref="OpsEnvironment"/>, naming the file and key of anything wrong. Every table accepts only the
/// keys its owner declares: the environment's own keys and the backup area's at the top level, the store
/// drivers' in Store (<see cref="IStoreSettings"/>), and each area's in its section (<see cref="IEnvironmentSection"/>).
/// </summary>
public static class EnvironmentDefinitionReader
{
    /// <summary>The keys every area shares: the environment's name, its servers and its databases.</summary>
    private static readonly string[] EnvironmentKeys = ["Name", "DatabaseServers", "Databases"];

    /// <summary>
    /// The backup area's keys. They stay at the top level, where every file written before areas had sections
    /// keeps them; areas that came later each have a section of their own.
    /// </summary>
    private static readonly string[] BackupKeys = ["Store", "EncryptionKey", "DecryptionKey", "DecryptionKeyPassphrase", "RestoreTestServer", "Thresholds"];

    private static readonly string[] ServerKeys = ["Host", "Port", "User", "Password"];
    private static readonly string[] DatabaseKeys = ["Name", "Server"];

    /// <summary>The keys the top level of a file accepts with <paramref name="sections"/> registered.</summary>
    private static IReadOnlyList<string> TopLevelKeys(IReadOnlyList<IEnvironmentSection> sections) =>
        [.. EnvironmentKeys, .. BackupKeys, .. sections.Select(s => s.Key)];

    /// <summary>Reads the file's data; <paramref name="sections"/> are the areas' sections, by default <see cref="EnvironmentSections.All"/>.</summary>
    public static OpsEnvironment Read(IDictionary data, string sourcePath, string defaultName, IReadOnlyList<IEnvironmentSection>? sections = null)
    {
        sections ??= EnvironmentSections.All;
        var file = SettingsTable.Open(data, sourcePath, TopLevelKeys(sections));

        var servers = file.NamedTables("DatabaseServers", ServerKeys).Select(s => ReadServer(s.Name, s.Table)).ToArray();
        var databases = file.ListOfTables("Databases", DatabaseKeys).Select(d => ReadDatabase(d, servers)).ToArray();
        var restoreTestServer = file.Text("RestoreTestServer");
        if (restoreTestServer is not null && servers.All(s => s.Name != restoreTestServer))
            throw file.Invalid("RestoreTestServer", $"names '{restoreTestServer}', which DatabaseServers does not define");

        var environment = new OpsEnvironment
        {
            Name = file.Text("Name") ?? defaultName,
            SourcePath = sourcePath,
            DatabaseServers = servers,
            Databases = databases,
            Store = ReadStore(file),
            EncryptionKeyPath = file.FilePath("EncryptionKey"),
            // Read when a backup is decrypted, so the file also serves hosts that only back up.
            DecryptionKey = file.Deferred("DecryptionKey", "a path or a reference such as 'env:OPSRUNBOOKS_BACKUP_SECRET_KEY'"),
            DecryptionKeyPassphrase = file.Secret("DecryptionKeyPassphrase", "env:OPSRUNBOOKS_KEY_PASSPHRASE"),
            RestoreTestServer = restoreTestServer,
            Thresholds = ReadThresholds(file),
            Sections = ReadSections(file, sections),
        };
        environment.ValidateThresholds();
        return environment;
    }

    /// <summary>The thresholds as written, in the order of <see cref="ThresholdKeys.All"/>; their values are checked by <see cref="OpsEnvironment.ValidateThresholds"/>.</summary>
    private static Dictionary<string, string> ReadThresholds(SettingsTable file)
    {
        var given = file.Table("Thresholds", ThresholdKeys.All)?.AllText() ?? new Dictionary<string, string>();
        return ThresholdKeys.All.Where(given.ContainsKey).ToDictionary(key => key, key => given[key], StringComparer.OrdinalIgnoreCase);
    }

    private static Dictionary<string, object> ReadSections(SettingsTable file, IReadOnlyList<IEnvironmentSection> sections)
    {
        var settings = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in sections)
        {
            if (file.Table(section.Key, section.Keys) is { } table)
                settings[section.Key] = section.Read(table);
        }
        return settings;
    }

    private static DatabaseServerDefinition ReadServer(string name, SettingsTable server) => new(
        name,
        server.RequiredText("Host"),
        server.WholeNumber("Port", 1, 65535, "a TCP port") ?? 5432,
        server.RequiredText("User"),
        server.Secret("Password", "env:PGPASSWORD") ?? throw server.Invalid("Password", "is missing; give a reference such as 'env:PGPASSWORD'"));

    private static DatabaseDefinition ReadDatabase(SettingsTable database, IReadOnlyList<DatabaseServerDefinition> servers)
    {
        var server = database.Text("Server") ?? (servers.Count == 1 ? servers[0].Name : null)
            ?? throw database.Invalid("Server", "names no server, and there is not exactly one in DatabaseServers");
        if (servers.All(s => s.Name != server))
            throw database.Invalid("Server", $"names '{server}', which DatabaseServers does not define");
        return new DatabaseDefinition(database.RequiredText("Name"), server);
    }

    /// <summary>
    /// The store of the driver whose selecting key the Store table holds. A key no driver accepts is unknown
    /// (with the nearest of all drivers' keys); a key only another driver accepts is unknown to the one picked.
    /// </summary>
    private static StoreDefinition? ReadStore(SettingsTable file)
    {
        var drivers = StoreSettings.Drivers;
        if (file.Table("Store", drivers.SelectMany(d => d.Keys).Distinct(StringComparer.OrdinalIgnoreCase).ToArray()) is not { } store)
            return null;
        var picked = drivers.Where(d => store.Contains(d.SelectingKey)).ToArray();
        return picked switch
        {
            [var driver] => driver.Read(file.Table("Store", driver.Keys, $"Store ({driver.Kind})")!),
            [] => throw store.Invalid("needs " + string.Join(" or ", drivers.Select(d => $"{d.SelectingKey} ({d.Kind})"))),
            _ => throw new OpsException(StorageErrorIds.StoreDefinitionAmbiguous, FailureKind.InvalidData,
                $"'{file.SourcePath}': Store has both {string.Join(" and ", picked.Select(d => d.SelectingKey))}; a store is one of " +
                string.Join(", ", picked.Select(d => d.Kind)) + ", so keep the keys of one.", file.SourcePath),
        };
    }
}
