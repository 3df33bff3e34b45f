using System.Security.Cryptography;
using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>Creates, renames and drops databases, through the server's maintenance database.</summary>
public static class DatabaseAdministration
{
    private const string MaintenanceDatabase = "postgres";

    /// <summary>A name no database has yet: the prefix, the UTC time and random letters, within PostgreSQL's 63-byte limit.</summary>
    public static string UniqueName(string prefix, DateTime utcNow)
    {
        var suffix = $"_{utcNow:yyyyMMddHHmmss}_{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
        var head = new string(prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return head[..Math.Min(head.Length, 63 - suffix.Length)] + suffix;
    }

    public static async Task<bool> ExistsAsync(PostgresTarget server, string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(server, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Connects to the server (failing as <see cref="PostgresConnector"/> does) and returns its version.</summary>
    public static async Task<Version> ServerVersionAsync(PostgresTarget server, CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(server, cancellationToken).ConfigureAwait(false);
        return connection.PostgreSqlVersion;
    }

    public static Task CreateAsync(PostgresTarget server, string database, CancellationToken cancellationToken) =>
        ExecuteAsync(server, $"CREATE DATABASE {TableRowCounts.QuoteIdentifier(database)}", cancellationToken);

    /// <summary>Drops the database if it exists, ending sessions still connected to it.</summary>
    public static Task DropAsync(PostgresTarget server, string database, CancellationToken cancellationToken) =>
        ExecuteAsync(server, $"DROP DATABASE IF EXISTS {TableRowCounts.QuoteIdentifier(database)} WITH (FORCE)", cancellationToken);

    /// <summary>Renames a database, first ending the sessions connected to it (PostgreSQL refuses otherwise).</summary>
    public static async Task RenameAsync(PostgresTarget server, string from, string to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(server, cancellationToken).ConfigureAwait(false);
        await using (var terminate = new NpgsqlCommand(
                         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection)
                     { Parameters = { new() { Value = from } } })
            await terminate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var rename = new NpgsqlCommand(
            $"ALTER DATABASE {TableRowCounts.QuoteIdentifier(from)} RENAME TO {TableRowCounts.QuoteIdentifier(to)}", connection);
        await rename.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(PostgresTarget server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(server, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            throw new OpsException("DatabaseAdministrationFailed", FailureKind.OperationFailed,
                $"PostgreSQL at {server.Host}:{server.Port} refused '{sql}': {e.MessageText}", server, e);
        }
    }

    private static Task<NpgsqlConnection> OpenMaintenanceAsync(PostgresTarget server, CancellationToken cancellationToken) =>
        PostgresConnector.OpenAsync(server, cancellationToken, MaintenanceDatabase);
}
