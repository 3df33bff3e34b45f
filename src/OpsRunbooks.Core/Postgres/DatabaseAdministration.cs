using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>A database on a server and how many sessions are connected to it.</summary>
public sealed record DatabaseSessions(string Name, int Sessions);

/// <summary>Creates, renames, lists and drops databases, through the server's maintenance database.</summary>
public static class DatabaseAdministration
{
    private const string MaintenanceDatabase = "postgres";

    public static Task<bool> ExistsAsync(PostgresTarget server, string database, CancellationToken cancellationToken) =>
        WithMaintenanceAsync(server, async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }, cancellationToken);

    /// <summary>Connects to the server (failing as <see cref="PostgresConnector"/> does) and returns its version.</summary>
    public static Task<Version> ServerVersionAsync(PostgresTarget server, CancellationToken cancellationToken) =>
        WithMaintenanceAsync(server, connection => Task.FromResult(connection.PostgreSqlVersion), cancellationToken);

    /// <summary>Every database but the templates, with the number of sessions connected to it.</summary>
    public static Task<IReadOnlyList<DatabaseSessions>> ListAsync(PostgresTarget server, CancellationToken cancellationToken) =>
        WithMaintenanceAsync<IReadOnlyList<DatabaseSessions>>(server, async connection =>
        {
            const string sql = """
                SELECT d.datname, (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname)::int
                FROM pg_database d WHERE NOT d.datistemplate ORDER BY d.datname
                """;
            var databases = new List<DatabaseSessions>();
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                databases.Add(new DatabaseSessions(reader.GetString(0), reader.GetInt32(1)));
            return databases;
        }, cancellationToken);

    /// <summary>Creates a database; fails with DatabaseNameTooLong before asking the server when PostgreSQL would cut its name.</summary>
    public static Task CreateAsync(PostgresTarget server, string database, CancellationToken cancellationToken)
    {
        DatabaseNames.EnsureFits(database, "database name");
        return ExecuteAsync(server, $"CREATE DATABASE {TableRowCounts.QuoteIdentifier(database)}", cancellationToken);
    }

    /// <summary>
    /// Drops the database if it exists. With <paramref name="endSessions"/> the sessions still connected to it are
    /// ended; without, PostgreSQL refuses to drop a database in use.
    /// </summary>
    public static Task DropAsync(PostgresTarget server, string database, CancellationToken cancellationToken, bool endSessions = true) =>
        ExecuteAsync(server, $"DROP DATABASE IF EXISTS {TableRowCounts.QuoteIdentifier(database)}" + (endSessions ? " WITH (FORCE)" : ""), cancellationToken);

    /// <summary>Renames a database, first ending the sessions connected to it (PostgreSQL refuses otherwise).</summary>
    public static Task RenameAsync(PostgresTarget server, string from, string to, CancellationToken cancellationToken)
    {
        DatabaseNames.EnsureFits(to, "database name");
        return WithMaintenanceAsync(server, async connection =>
        {
            await using (var terminate = new NpgsqlCommand(
                             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection)
                         { Parameters = { new() { Value = from } } })
                await terminate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var rename = new NpgsqlCommand(
                $"ALTER DATABASE {TableRowCounts.QuoteIdentifier(from)} RENAME TO {TableRowCounts.QuoteIdentifier(to)}", connection);
            await Refused(server, rename.CommandText, () => rename.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    private static Task ExecuteAsync(PostgresTarget server, string sql, CancellationToken cancellationToken) =>
        WithMaintenanceAsync(server, async connection =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await Refused(server, sql, () => command.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>A statement the server refuses is DatabaseAdministrationFailed, quoting the statement and the server's reason.</summary>
    private static async Task Refused(PostgresTarget server, string sql, Func<Task<int>> execute)
    {
        try
        {
            await execute().ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new OpsException(PostgresErrorIds.DatabaseAdministrationFailed, FailureKind.OperationFailed,
                $"PostgreSQL at {server.Host}:{server.Port} refused '{sql}': {e.MessageText}", server, e);
        }
    }

    /// <summary>Runs <paramref name="work"/> on a connection to the maintenance database; a failure on the way is PostgresError or ConnectionLost.</summary>
    private static async Task<T> WithMaintenanceAsync<T>(PostgresTarget server, Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(server, cancellationToken, MaintenanceDatabase).ConfigureAwait(false);
        try
        {
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresConnector.Failure(e, server with { Database = MaintenanceDatabase });
        }
    }
}
