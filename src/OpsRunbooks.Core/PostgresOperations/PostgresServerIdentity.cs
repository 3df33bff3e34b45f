using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// Which server an operation's result came from, in the names the next cmdlet binds from the pipeline:
/// Environment and DatabaseServer when the server was named in an environment file, Server and Port always.
/// </summary>
public sealed record PostgresServerIdentity(string Server, int Port, string? Environment = null, string? DatabaseServer = null)
{
    public static PostgresServerIdentity Of(PostgresTarget target, string? environment = null, string? databaseServer = null) =>
        new(target.Host, target.Port, environment, databaseServer);

    public override string ToString() => DatabaseServer is null ? $"{Server}:{Port}" : $"{DatabaseServer} ({Server}:{Port})";
}
