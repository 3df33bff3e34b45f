using System.Collections;
using System.Globalization;
using OpsRunbooks.Storage;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.Environments;

/// <summary>
/// Turns the data of an environment file (already parsed, without running code) into an
/// <see cref="OpsEnvironment"/>, naming the file and key of anything wrong.
/// </summary>
public sealed class EnvironmentDefinitionReader
{
    private readonly string _sourcePath;
    private readonly string _baseDirectory;

    private EnvironmentDefinitionReader(string sourcePath)
    {
        _sourcePath = sourcePath;
        _baseDirectory = Path.GetDirectoryName(Path.GetFullPath(sourcePath))!;
    }

    public static OpsEnvironment Read(IDictionary data, string sourcePath, string defaultName) =>
        new EnvironmentDefinitionReader(sourcePath).ReadEnvironment(data, defaultName);

    private OpsEnvironment ReadEnvironment(IDictionary data, string defaultName)
    {
        var servers = new List<DatabaseServerDefinition>();
        if (Optional(data, "DatabaseServers") is { } serverData)
        {
            var table = AsTable(serverData, "DatabaseServers");
            foreach (DictionaryEntry entry in table)
            {
                var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!;
                servers.Add(ReadServer(name, AsTable(entry.Value, $"DatabaseServers.{name}")));
            }
        }

        var databases = new List<DatabaseDefinition>();
        if (Optional(data, "Databases") is { } databaseData)
        {
            var index = 0;
            foreach (var item in AsList(databaseData, "Databases"))
            {
                var key = $"Databases[{index++}]";
                var database = AsTable(item, key);
                var name = RequiredString(database, "Name", key);
                var server = OptionalString(database, "Server", key) ?? (servers.Count == 1 ? servers[0].Name : null)
                    ?? throw Invalid($"{key}.Server", "names no server, and there is not exactly one in DatabaseServers");
                if (servers.All(s => s.Name != server))
                    throw Invalid($"{key}.Server", $"names '{server}', which DatabaseServers does not define");
                databases.Add(new DatabaseDefinition(name, server));
            }
        }

        var store = Optional(data, "Store") is { } storeData ? ReadStore(AsTable(storeData, "Store")) : null;

        var thresholds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Optional(data, "Thresholds") is { } thresholdData)
        {
            foreach (DictionaryEntry entry in AsTable(thresholdData, "Thresholds"))
                thresholds[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? "";
        }

        var keyPath = OptionalString(data, "EncryptionKey", null);
        // Read when a backup is decrypted, so the file also serves hosts that only back up.
        var decryptionKey = Optional(data, "DecryptionKey") switch
        {
            null => null,
            string path => path,
            _ => throw Invalid("DecryptionKey", "must be a path or a reference such as 'env:OPSRUNBOOKS_BACKUP_SECRET_KEY'"),
        };
        var passphrase = Optional(data, "DecryptionKeyPassphrase") is { } passphraseData
            ? passphraseData is string text && SecretReference.IsReference(text)
                ? new SecretReference(text, _sourcePath, "DecryptionKeyPassphrase")
                : throw Invalid("DecryptionKeyPassphrase", "must be a reference such as 'env:OPSRUNBOOKS_KEY_PASSPHRASE', not the passphrase itself")
            : null;
        var restoreTestServer = OptionalString(data, "RestoreTestServer", null);
        if (restoreTestServer is not null && servers.All(s => s.Name != restoreTestServer))
            throw Invalid("RestoreTestServer", $"names '{restoreTestServer}', which DatabaseServers does not define");
        var environment = new OpsEnvironment
        {
            Name = OptionalString(data, "Name", null) ?? defaultName,
            SourcePath = _sourcePath,
            DatabaseServers = servers,
            Databases = databases,
            Store = store,
            EncryptionKeyPath = keyPath is null ? null : ResolvePath(keyPath),
            DecryptionKey = decryptionKey,
            DecryptionKeyPassphrase = passphrase,
            RestoreTestServer = restoreTestServer,
            Thresholds = thresholds,
        };
        environment.ValidateThresholds();
        return environment;
    }

    private DatabaseServerDefinition ReadServer(string name, IDictionary table)
    {
        var key = $"DatabaseServers.{name}";
        var host = RequiredString(table, "Host", key);
        var portText = OptionalString(table, "Port", key) ?? "5432";
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw Invalid($"{key}.Port", $"'{portText}' is not a TCP port");
        var user = RequiredString(table, "User", key);
        var password = Optional(table, "Password") as string
            ?? throw Invalid($"{key}.Password", "is missing; give a reference such as 'env:PGPASSWORD'");
        if (!SecretReference.IsReference(password))
            throw Invalid($"{key}.Password", "must be a reference such as 'env:PGPASSWORD', not the password itself");
        return new DatabaseServerDefinition(name, host, port, user, new SecretReference(password, _sourcePath, $"{key}.Password"));
    }

    private StoreDefinition ReadStore(IDictionary table)
    {
        if (table.Contains("Path") && table.Contains("S3Bucket"))
            throw new OpsException(StorageErrorIds.StoreDefinitionAmbiguous, FailureKind.InvalidData,
                $"'{_sourcePath}': Store has both Path and S3Bucket; keep Path for a local directory or S3Bucket for a bucket, not both.", _sourcePath);
        if (OptionalString(table, "S3Bucket", "Store") is not { } bucket)
        {
            return OptionalString(table, "Path", "Store") is { } path
                ? new LocalStoreDefinition(ResolvePath(path))
                : throw Invalid("Store", "needs Path (a local directory) or S3Bucket");
        }
        var defaults = new S3StoreOptions(bucket);
        var options = defaults with
        {
            Prefix = OptionalString(table, "Prefix", "Store") ?? "",
            Endpoint = OptionalString(table, "Endpoint", "Store"),
            Region = OptionalString(table, "Region", "Store"),
            StorageClass = OptionalString(table, "StorageClass", "Store"),
            PartSize = OptionalInt(table, "PartSizeMB", "Store", 5, 5 * 1024) is { } megabytes ? megabytes * 1024L * 1024 : defaults.PartSize,
            UploadConcurrency = OptionalInt(table, "UploadConcurrency", "Store", 1, 64) ?? defaults.UploadConcurrency,
            UseChunkEncoding = OptionalBool(table, "ChunkEncoding", "Store") ?? defaults.UseChunkEncoding,
        };
        // Both keys are resolved when the store is opened, so a file can be read where they are not set.
        var accessKey = Optional(table, "AccessKey") as string;
        var secretKey = Optional(table, "SecretKey") as string;
        if ((accessKey is null) != (secretKey is null))
            throw Invalid("Store", "needs both AccessKey and SecretKey, or neither (for the standard AWS credential chain)");
        if (secretKey is not null && !SecretReference.IsReference(secretKey))
            throw Invalid("Store.SecretKey", "must be a reference such as 'env:AWS_SECRET_ACCESS_KEY', not the key itself");
        return new S3StoreDefinition(options,
            accessKey is null ? null : new SecretReference(accessKey, _sourcePath, "Store.AccessKey"),
            secretKey is null ? null : new SecretReference(secretKey, _sourcePath, "Store.SecretKey"));
    }

    private int? OptionalInt(IDictionary table, string name, string parentKey, int minimum, int maximum)
    {
        if (OptionalString(table, name, parentKey) is not { } text) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw Invalid($"{parentKey}.{name}", $"'{text}' is not a whole number from {minimum} to {maximum}");
    }

    private bool? OptionalBool(IDictionary table, string name, string parentKey) => Optional(table, name) switch
    {
        null => null,
        bool value => value,
        var other => throw Invalid($"{parentKey}.{name}", $"must be $true or $false, not '{other}'"),
    };

    /// <summary>A plain setting, with env:NAME references resolved now: they are not secrets.</summary>
    private string? OptionalString(IDictionary table, string name, string? parentKey)
    {
        var value = Optional(table, name);
        if (value is null) return null;
        var key = parentKey is null ? name : $"{parentKey}.{name}";
        var text = value switch
        {
            string s => s,
            int or long or short => Convert.ToString(value, CultureInfo.InvariantCulture)!,
            _ => throw Invalid(key, $"must be a string or number, not {value.GetType().Name}"),
        };
        return SecretReference.IsReference(text) ? new SecretReference(text, _sourcePath, key).Resolve() : text;
    }

    private string RequiredString(IDictionary table, string name, string parentKey) =>
        OptionalString(table, name, parentKey) is { Length: > 0 } value ? value : throw Invalid($"{parentKey}.{name}", "is missing");

    private static object? Optional(IDictionary table, string name)
    {
        foreach (DictionaryEntry entry in table)
        {
            if (string.Equals(Convert.ToString(entry.Key, CultureInfo.InvariantCulture), name, StringComparison.OrdinalIgnoreCase))
                return entry.Value;
        }
        return null;
    }

    private IDictionary AsTable(object? value, string key) =>
        value as IDictionary ?? throw Invalid(key, "must be a hashtable @{ ... }");

    private IEnumerable AsList(object? value, string key) => value switch
    {
        IDictionary single => new[] { single },
        IEnumerable list and not string => list,
        _ => throw Invalid(key, "must be a list @( ... )"),
    };

    private string ResolvePath(string path) => Path.GetFullPath(Path.Combine(_baseDirectory, path));

    private OpsException Invalid(string key, string problem) =>
        new("EnvironmentFileInvalid", FailureKind.InvalidData, $"'{_sourcePath}': {key} {problem}.", _sourcePath);
}
