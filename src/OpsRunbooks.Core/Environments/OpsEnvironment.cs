using System.Net;
using OpsRunbooks.Postgres;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.Environments;

/// <summary>An environment file: the servers, databases, store and thresholds one runbook needs to run there.</summary>
public sealed class OpsEnvironment
{
    public required string Name { get; init; }
    public required string SourcePath { get; init; }
    public required IReadOnlyList<DatabaseServerDefinition> DatabaseServers { get; init; }
    public required IReadOnlyList<DatabaseDefinition> Databases { get; init; }
    public StoreDefinition? Store { get; init; }
    public string? EncryptionKeyPath { get; init; }
    public required IReadOnlyDictionary<string, string> Thresholds { get; init; }

    public DatabaseDefinition GetDatabase(string name) =>
        Databases.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal))
        ?? throw new OpsException("DatabaseNotInEnvironment", FailureKind.NotFound,
            $"The environment '{Name}' ({SourcePath}) lists no database '{name}'; it lists: {string.Join(", ", Databases.Select(d => d.Name))}.", name);

    /// <summary>Where and as whom to reach a database of this environment; resolves its password now.</summary>
    public PostgresTarget ResolveTarget(string database)
    {
        var definition = GetDatabase(database);
        var server = DatabaseServers.First(s => s.Name == definition.Server);
        return new PostgresTarget(server.Host, server.Port, definition.Name, new NetworkCredential(server.User, server.Password.Resolve()));
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
        : Options with { Credential = new NetworkCredential(AccessKey.Resolve(), SecretKey.Resolve()) };

    public override string ToString() => $"s3://{Options.Bucket}/{Options.KeyPrefix}" + (Options.Endpoint is null ? "" : $" at {Options.Endpoint}");
}
