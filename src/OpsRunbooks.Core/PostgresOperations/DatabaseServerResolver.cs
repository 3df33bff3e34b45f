using System.Net;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// Turns the two ways a PostgreSQL operation names a server (-Server/-Port/-Credential, or -Environment with a
/// DatabaseServers entry's name) into a <see cref="PostgresTarget"/> to open connections with.
/// </summary>
public static class DatabaseServerResolver
{
    /// <summary>The database a server-wide operation connects to when none is given: every cluster has it.</summary>
    public const string MaintenanceDatabase = "postgres";

    /// <summary>A server given by host, port and login.</summary>
    public static PostgresTarget FromServer(string host, int port, NetworkCredential credential, string? database = null) =>
        new(host, port, database ?? MaintenanceDatabase, credential);

    /// <summary>
    /// The DatabaseServers entry <paramref name="serverName"/> of the environment, its password resolved now;
    /// an unknown name fails with DatabaseServerNotInEnvironment listing the names there are.
    /// </summary>
    public static PostgresTarget FromEnvironment(OpsEnvironment environment, string serverName, string? database = null)
    {
        var server = Find(environment, serverName);
        return new PostgresTarget(server.Host, server.Port, database ?? MaintenanceDatabase,
            new NetworkCredential(server.User, server.Password.Resolve()));
    }

    /// <summary>The name of the environment's only DatabaseServers entry; with none or several, DatabaseServerRequired.</summary>
    public static string OnlyServer(OpsEnvironment environment) => environment.DatabaseServers.Count == 1
        ? environment.DatabaseServers[0].Name
        : throw new OpsException(PostgresOperationsErrorIds.DatabaseServerRequired, FailureKind.InvalidArgument,
            $"The environment '{environment.Name}' ({environment.SourcePath}) has "
            + (environment.DatabaseServers.Count == 0 ? "no DatabaseServers entries; add one" : $"{environment.DatabaseServers.Count} DatabaseServers entries; say which with -DatabaseServer ({string.Join(", ", environment.DatabaseServers.Select(s => s.Name))})")
            + ".", environment.Name);

    /// <summary>The DatabaseServers entry of that name (case-sensitive, as the file spells it).</summary>
    public static DatabaseServerDefinition Find(OpsEnvironment environment, string serverName) =>
        environment.DatabaseServers.FirstOrDefault(s => string.Equals(s.Name, serverName, StringComparison.Ordinal))
        ?? throw new OpsException(PostgresOperationsErrorIds.DatabaseServerNotInEnvironment, FailureKind.NotFound,
            $"The environment '{environment.Name}' ({environment.SourcePath}) has no DatabaseServers entry '{serverName}'; it has: "
            + (environment.DatabaseServers.Count == 0 ? "none" : string.Join(", ", environment.DatabaseServers.Select(s => s.Name))) + ".",
            serverName);

    /// <summary>The databases of the environment that live on <paramref name="serverName"/>.</summary>
    public static IReadOnlyList<string> DatabasesOn(OpsEnvironment environment, string serverName) =>
        environment.Databases.Where(d => string.Equals(d.Server, serverName, StringComparison.Ordinal)).Select(d => d.Name).ToList();
}
