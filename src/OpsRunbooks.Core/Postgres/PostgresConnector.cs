using System.Net.Sockets;
using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>Opens connections and turns the usual ways they fail into errors an operator can act on.</summary>
public static class PostgresConnector
{
    public static NpgsqlDataSource CreateDataSource(PostgresTarget target, string? database = null) =>
        NpgsqlDataSource.Create(ConnectionSettings(target, database));

    /// <summary>The settings of the module's connections: a fresh session each, without a command timeout (callers bound their work with tokens).</summary>
    public static NpgsqlConnectionStringBuilder ConnectionSettings(PostgresTarget target, string? database = null) => new()
    {
        Host = target.Host,
        Port = target.Port,
        Database = database ?? target.Database,
        Username = target.Credential.UserName,
        Password = target.Credential.Password,
        ApplicationName = "OpsRunbooks",
        Timeout = 15,
        CommandTimeout = 0,
        Pooling = false,
    };

    public static async Task<NpgsqlConnection> OpenAsync(PostgresTarget target, CancellationToken cancellationToken, string? database = null)
    {
        await using var dataSource = CreateDataSource(target, database);
        return await OpenAsync(dataSource, target with { Database = database ?? target.Database }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A connection of <paramref name="dataSource"/>, which reaches <paramref name="target"/>; failing to open it is an error that names the target.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, PostgresTarget target, CancellationToken cancellationToken)
    {
        var connection = dataSource.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(e, target);
        }
    }

    /// <summary>
    /// A failure on a connection that was open: the server's own error is PostgresError; a connection that broke
    /// (the server stopped, the network went away) is ConnectionLost. Either names the server, never a driver's exception.
    /// </summary>
    public static OpsException Failure(Exception e, PostgresTarget target) => e switch
    {
        OpsException known => known,
        PostgresException pg => new OpsException(PostgresErrorIds.PostgresError, FailureKind.OperationFailed,
            $"PostgreSQL at {target.Host}:{target.Port} (database '{target.Database}') answered {pg.SqlState}: {pg.MessageText}", target, e),
        _ => new OpsException(PostgresErrorIds.ConnectionLost, FailureKind.ConnectionFailed,
            $"The connection to PostgreSQL at {target.Host}:{target.Port} (database '{target.Database}') was lost: {(e.InnerException ?? e).Message}. Check that the server still runs, then try again.",
            target, e),
    };

    /// <summary>Whether <paramref name="e"/> is a failure of the server or its connection that <see cref="Failure"/> describes.</summary>
    public static bool IsPostgresFailure(Exception e) => e is NpgsqlException or SocketException or IOException or TimeoutException;

    /// <summary>The server's major version, as pg_dump compares it.</summary>
    public static int MajorVersion(NpgsqlConnection connection) => connection.PostgreSqlVersion.Major;

    private static OpsException Translate(Exception e, PostgresTarget target)
    {
        if (e is PostgresException pg)
        {
            return pg.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification => new OpsException(
                    PostgresErrorIds.AuthenticationFailed, FailureKind.AuthenticationFailed,
                    $"PostgreSQL at {target.Host}:{target.Port} refused the login of '{target.Credential.UserName}': {pg.MessageText}. Check the user name and password (or the environment variable the environment file names).",
                    target, e),
                PostgresErrorCodes.InvalidCatalogName => new OpsException(
                    PostgresErrorIds.DatabaseNotFound, FailureKind.NotFound,
                    $"The database '{target.Database}' does not exist on {target.Host}:{target.Port}.", target, e),
                _ => new OpsException(PostgresErrorIds.PostgresError, FailureKind.OperationFailed,
                    $"PostgreSQL at {target.Host}:{target.Port} answered {pg.SqlState}: {pg.MessageText}", target, e),
            };
        }
        var root = e.InnerException is SocketException socket ? socket : e as SocketException;
        var reason = root?.Message ?? e.Message;
        return new OpsException(PostgresErrorIds.ConnectionFailed, FailureKind.ConnectionFailed,
            $"Could not connect to PostgreSQL at {target.Host}:{target.Port}: {reason}. Check that the server runs and listens there.",
            target, e);
    }
}
