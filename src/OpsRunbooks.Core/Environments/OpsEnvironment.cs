using System.Globalization;
using System.Net;
using OpsRunbooks.Postgres;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.Environments;

/// <summary>
/// An environment file: the servers and databases of one environment, the backup area's settings (store, keys,
/// thresholds), and the settings of each other area's section, which one runbook needs to run there.
/// </summary>
public sealed class OpsEnvironment
{
    public required string Name { get; init; }
    public required string SourcePath { get; init; }
    public required IReadOnlyList<DatabaseServerDefinition> DatabaseServers { get; init; }
    public required IReadOnlyList<DatabaseDefinition> Databases { get; init; }
    public StoreDefinition? Store { get; init; }
    public string? EncryptionKeyPath { get; init; }

    /// <summary>
    /// The secret key file backups are decrypted with, for integrity tests and restores: a path (relative to
    /// the environment file) or an env:NAME reference to one, resolved when a key is loaded.
    /// </summary>
    public string? DecryptionKey { get; init; }

    /// <summary>The passphrase of the secret key, as a reference; null for an unprotected key.</summary>
    public SecretReference? DecryptionKeyPassphrase { get; init; }

    /// <summary>The DatabaseServers entry that restore tests create their scratch databases on; null for each database's own server.</summary>
    public string? RestoreTestServer { get; init; }
    public required IReadOnlyDictionary<string, string> Thresholds { get; init; }

    /// <summary>The settings of each area's section the file has, by section key (see <see cref="IEnvironmentSection"/>).</summary>
    public IReadOnlyDictionary<string, object> Sections { get; init; } = new Dictionary<string, object>();

    /// <summary>An area's settings from its section of the file, or null when the file has none.</summary>
    public TSettings? GetSection<TSettings>() where TSettings : class => Sections.Values.OfType<TSettings>().FirstOrDefault();

    public DatabaseDefinition GetDatabase(string name) =>
        Databases.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal))
        ?? throw new OpsException(EnvironmentErrorIds.DatabaseNotInEnvironment, FailureKind.NotFound,
            $"The environment '{Name}' ({SourcePath}) lists no database '{name}'; it lists: {string.Join(", ", Databases.Select(d => d.Name))}.", name);

    /// <summary>Where and as whom to reach a database of this environment; resolves its password now.</summary>
    public PostgresTarget ResolveTarget(string database) => TargetOn(GetDatabase(database).Server, database);

    /// <summary>
    /// The server to restore-test a database's backups on, as a target for <paramref name="database"/>: the
    /// RestoreTestServer when the file names one, else the server the database lives on.
    /// </summary>
    public PostgresTarget ResolveRestoreTestTarget(string database) => TargetOn(RestoreTestServer ?? GetDatabase(database).Server, database);

    private PostgresTarget TargetOn(string serverName, string database)
    {
        var server = DatabaseServers.First(s => s.Name == serverName);
        return new PostgresTarget(server.Host, server.Port, database, new NetworkCredential(server.User, server.Password.Resolve()));
    }

    /// <summary>The decryption key file and its passphrase, resolved now; fails naming the file when it names no key.</summary>
    public Encryption.OpenPgpPrivateKey LoadDecryptionKey()
    {
        var reference = DecryptionKey ?? throw new OpsException(EnvironmentErrorIds.DecryptionKeyMissing, FailureKind.InvalidArgument,
            $"The environment '{Name}' ({SourcePath}) names no DecryptionKey; give -DecryptionKey.", this);
        var path = new SecretReference(reference, SourcePath, "DecryptionKey").Resolve();
        var fullPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SourcePath)!, path));
        return Encryption.OpenPgpPrivateKey.Load(fullPath, (DecryptionKeyPassphrase?.Resolve() ?? "").ToCharArray());
    }

    /// <summary>A Thresholds value that is a timespan (days.hours:minutes:seconds), or null when the file has none.</summary>
    public TimeSpan? GetTimeSpanThreshold(string key) => ParseThreshold<TimeSpan>(key,
        text => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero ? value : null,
        "a timespan longer than zero, written days.hours:minutes:seconds such as '1.00:00:00'");

    /// <summary>A Thresholds value that is a whole number, 0 or more, or null when the file has none.</summary>
    public int? GetCountThreshold(string key) => ParseThreshold<int>(key,
        text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null,
        "a whole number, 0 or more");

    /// <summary>A Thresholds value that is a percentage, 0 or more (20 or 12.5), or null when the file has none.</summary>
    public double? GetPercentThreshold(string key) => ParseThreshold<double>(key,
        text => double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ? value : null,
        "a percentage, 0 or more, such as 20 or 12.5");

    /// <summary>Reads every threshold the module knows, so a bad value fails when the file is read.</summary>
    internal void ValidateThresholds()
    {
        foreach (var key in ThresholdKeys.TimeSpans) GetTimeSpanThreshold(key);
        foreach (var key in ThresholdKeys.Percentages) GetPercentThreshold(key);
        foreach (var key in ThresholdKeys.Counts) GetCountThreshold(key);
    }

    private T? ParseThreshold<T>(string key, Func<string, T?> parse, string expected) where T : struct
    {
        if (!Thresholds.TryGetValue(key, out var text)) return null;
        return parse(text.Trim()) ?? throw new OpsException(EnvironmentErrorIds.EnvironmentFileInvalid, FailureKind.InvalidData,
            $"'{SourcePath}': Thresholds.{key} is '{text}', which is not {expected}.", SourcePath);
    }

    public override string ToString() => Name;
}

public sealed record DatabaseServerDefinition(string Name, string Host, int Port, string User, SecretReference Password)
{
    public override string ToString() => $"{Name} ({User}@{Host}:{Port})";
}

public sealed record DatabaseDefinition(string Name, string Server)
{
    public override string ToString() => $"{Name} on {Server}";
}

/// <summary>The store an environment file names: a local directory or an S3 bucket.</summary>
public abstract record StoreDefinition;

public sealed record LocalStoreDefinition(string Path) : StoreDefinition
{
    public override string ToString() => "local:" + Path;
}

/// <summary>An S3 store; its keys stay references until the store is opened.</summary>
public sealed record S3StoreDefinition(S3StoreOptions Options, SecretReference? AccessKey, SecretReference? SecretKey) : StoreDefinition
{
    public S3StoreOptions Resolve() => AccessKey is null || SecretKey is null
        ? Options
        : Options with { Credential = new S3Credential(AccessKey.Resolve(), SecretKey.Resolve()) };

    public override string ToString() => $"s3://{Options.Bucket}/{Options.KeyPrefix}" + (Options.Endpoint is null ? "" : $" at {Options.Endpoint}");
}
