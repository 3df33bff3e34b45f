using Npgsql;
using NpgsqlTypes;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>Reads the server's processes from pg_stat_activity, with the locks they wait for.</summary>
public static class PostgresActivity
{
    // The columns are the same from PostgreSQL 14 to 18. The reading session itself is left out;
    // durations are measured by the server's clock, so the client's does not matter.
    private const string Sql = """
        SELECT a.pid, a.datname, a.usename, coalesce(r.rolsuper, false), a.application_name,
               host(a.client_addr), a.client_port, coalesce(a.backend_type, ''), a.state,
               a.wait_event_type, a.wait_event, pg_blocking_pids(a.pid),
               a.backend_start, a.xact_start, a.query_start,
               CASE WHEN a.state = 'active' THEN extract(epoch FROM clock_timestamp() - a.query_start)::float8 END,
               extract(epoch FROM clock_timestamp() - a.xact_start)::float8,
               a.query
        FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
        WHERE a.pid <> pg_backend_pid()
          AND ($1::float8 IS NULL OR (a.state = 'active' AND clock_timestamp() - a.query_start >= make_interval(secs => $1)))
          AND (cardinality($2::text[]) = 0 OR a.state = ANY ($2))
          AND (cardinality($3::inet[]) = 0 OR EXISTS (SELECT 1 FROM unnest($3::inet[]) n WHERE a.client_addr <<= n))
          AND (cardinality($4::text[]) = 0 OR a.usename = ANY ($4))
          AND (cardinality($5::text[]) = 0 OR a.datname = ANY ($5))
        ORDER BY a.query_start NULLS LAST, a.pid
        """;

    public static async Task<IReadOnlyList<PostgresSession>> ReadAsync(PostgresTarget target, PostgresServerIdentity identity,
        ActivityFilter filter, CancellationToken cancellationToken)
    {
        filter.Validate();
        await using var connection = await PostgresConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadAsync(connection, identity, filter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresOperationsFailures.Describe(e, target)!;
        }
    }

    private static async Task<IReadOnlyList<PostgresSession>> ReadAsync(NpgsqlConnection connection, PostgresServerIdentity identity,
        ActivityFilter filter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection)
        {
            Parameters =
            {
                new() { Value = filter.MinimumDuration is { } d ? d.TotalSeconds : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double },
                new() { Value = filter.States.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = filter.ClientAddresses.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = filter.Users.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = filter.Databases.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
        var sessions = new List<PostgresSession>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sessions.Add(new PostgresSession
            {
                Environment = identity.Environment,
                DatabaseServer = identity.DatabaseServer,
                Server = identity.Server,
                Port = identity.Port,
                Pid = reader.GetInt32(0),
                Database = StringOrNull(reader, 1),
                User = StringOrNull(reader, 2),
                IsSuperuser = reader.GetBoolean(3),
                ApplicationName = StringOrNull(reader, 4) is { Length: > 0 } application ? application : null,
                ClientAddress = StringOrNull(reader, 5),
                ClientPort = reader.IsDBNull(6) ? null : reader.GetInt32(6),
                BackendType = reader.GetString(7),
                State = StringOrNull(reader, 8),
                WaitEventType = StringOrNull(reader, 9),
                WaitEvent = StringOrNull(reader, 10),
                BlockedBy = reader.GetFieldValue<int[]>(11),
                BackendStartUtc = UtcOrNull(reader, 12),
                TransactionStartUtc = UtcOrNull(reader, 13),
                QueryStartUtc = UtcOrNull(reader, 14),
                QueryDuration = SecondsOrNull(reader, 15),
                TransactionDuration = SecondsOrNull(reader, 16),
                Query = StringOrNull(reader, 17) is { Length: > 0 } query ? query : null,
            });
        }
        return sessions;
    }

    private static string? StringOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime? UtcOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDateTime(ordinal).ToUniversalTime();

    private static TimeSpan? SecondsOrNull(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : TimeSpan.FromSeconds(Math.Max(0, Math.Round(reader.GetDouble(ordinal), 3)));
}
