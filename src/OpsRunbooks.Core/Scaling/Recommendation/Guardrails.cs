using OpsRunbooks.Postgres;

namespace OpsRunbooks.Scaling.Recommendation;

/// <summary>Reads the capacity the workers depend on beyond the queue: PostgreSQL connections.</summary>
public static class Guardrails
{
    /// <summary>
    /// max_connections, the client connections open now, and the slots kept back: the server's reserved ones
    /// (superuser_reserved_connections, and reserved_connections from PostgreSQL 16) plus <paramref name="reserve"/>.
    /// </summary>
    public static async Task<ConnectionCapacity> ReadConnectionsAsync(PostgresTarget server, int perWorker, int reserve, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(server, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandTimeout = 30;
            command.CommandText = """
                SELECT current_setting('max_connections')::int,
                       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
                       current_setting('superuser_reserved_connections')::int
                         + coalesce(current_setting('reserved_connections', true)::int, 0)
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return new ConnectionCapacity($"{server.Host}:{server.Port}", reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2) + reserve, perWorker);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresConnector.Failure(e, server);
        }
    }
}
