using Npgsql;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>What Get-PostgresSlowQuery ranks statements by.</summary>
public enum SlowQueryOrder
{
    MeanTime,
    TotalTime,
    Calls,
}

/// <summary>A normalized statement from pg_stat_statements with its execution statistics.</summary>
public sealed class PostgresSlowQuery
{
    public string? Environment { get; init; }
    public string? DatabaseServer { get; init; }
    public required string Server { get; init; }
    public required int Port { get; init; }

    /// <summary>1 for the slowest by the order asked for.</summary>
    public required int Rank { get; init; }
    public string? Database { get; init; }
    public string? User { get; init; }
    public long? QueryId { get; init; }
    public required long Calls { get; init; }
    public required TimeSpan TotalTime { get; init; }
    public required TimeSpan MeanTime { get; init; }
    public required TimeSpan MaxTime { get; init; }
    public required long Rows { get; init; }

    /// <summary>Shared buffer hits of all blocks read, in percent; null when it read none.</summary>
    public double? CacheHitPercent { get; init; }

    /// <summary>The statement with its constants replaced by $1, $2, ...; null when the login may not see it.</summary>
    public string? Query { get; init; }

    public override string ToString() => $"#{Rank} {MeanTime.TotalMilliseconds:0.###} ms × {Calls}: {Query}";
}

/// <summary>The request of Get-PostgresSlowQuery.</summary>
public sealed record SlowQueryRequest(PostgresTarget Target, PostgresServerIdentity Identity)
{
    public int Top { get; init; } = 10;
    public SlowQueryOrder OrderBy { get; init; } = SlowQueryOrder.MeanTime;

    /// <summary>Only statements run in these databases; empty for all.</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];
}

/// <summary>
/// Ranks statements from pg_stat_statements. The view's time columns were renamed in PostgreSQL 13
/// (total_time → total_exec_time, mean_time → mean_exec_time, max_time → max_exec_time), so the query is chosen
/// by the server's version; a server without the module loaded, or a database without the extension, fails
/// with PgStatStatementsMissing naming the fix.
/// </summary>
public static class SlowQueries
{
    public static async Task<IReadOnlyList<PostgresSlowQuery>> ReadAsync(SlowQueryRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false);
        try
        {
            var schema = await ExtensionSchemaAsync(connection, request.Target, cancellationToken).ConfigureAwait(false);
            return await RankAsync(connection, schema, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresOperationsFailures.Describe(e, request.Target)!;
        }
    }

    /// <summary>The time columns of pg_stat_statements on a server of this version (server_version_num).</summary>
    public static (string Total, string Mean, string Max) TimeColumns(int serverVersionNumber) => serverVersionNumber >= 130000
        ? ("total_exec_time", "mean_exec_time", "max_exec_time")
        : ("total_time", "mean_time", "max_time");

    private static async Task<string> ExtensionSchemaAsync(NpgsqlConnection connection, PostgresTarget target, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'),
                   'pg_stat_statements' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','))
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var schema = reader.IsDBNull(0) ? null : reader.GetString(0);
        var loaded = reader.GetBoolean(1);
        var where = $"{target.Host}:{target.Port}";
        if (!loaded)
            throw new OpsException(PostgresOperationsErrorIds.PgStatStatementsMissing, FailureKind.NotInstalled,
                $"pg_stat_statements is not loaded on {where}: add it to shared_preload_libraries in postgresql.conf "
                + "(shared_preload_libraries = 'pg_stat_statements'), restart the server, then run "
                + $"CREATE EXTENSION pg_stat_statements; in the database '{target.Database}'.", where);
        return schema ?? throw new OpsException(PostgresOperationsErrorIds.PgStatStatementsMissing, FailureKind.NotInstalled,
            $"pg_stat_statements is loaded on {where} but not created in the database '{target.Database}': run "
            + $"CREATE EXTENSION pg_stat_statements; there (or give -Database with a database that has it).", where);
    }

    private static async Task<IReadOnlyList<PostgresSlowQuery>> RankAsync(NpgsqlConnection connection, string schema, SlowQueryRequest request,
        CancellationToken cancellationToken)
    {
        var (total, mean, max) = TimeColumns(connection.PostgreSqlVersion.Major * 10000);
        var order = request.OrderBy switch
        {
            SlowQueryOrder.TotalTime => $"s.{total} DESC",
            SlowQueryOrder.Calls => "s.calls DESC",
            _ => $"s.{mean} DESC",
        };
        var sql = $"""
            SELECT d.datname, r.rolname, s.queryid, s.calls, s.{total}, s.{mean}, s.{max}, s.rows,
                   s.shared_blks_hit, s.shared_blks_read, s.query
            FROM {TableRowCounts.QuoteIdentifier(schema)}.pg_stat_statements s
            LEFT JOIN pg_database d ON d.oid = s.dbid
            LEFT JOIN pg_roles r ON r.oid = s.userid
            WHERE cardinality($1::text[]) = 0 OR d.datname = ANY ($1)
            ORDER BY {order}, s.queryid
            LIMIT $2
            """;
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters =
            {
                new() { Value = request.Databases.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
                new() { Value = (long)request.Top },
            },
        };
        var queries = new List<PostgresSlowQuery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (hit, read) = (reader.GetInt64(8), reader.GetInt64(9));
            queries.Add(new PostgresSlowQuery
            {
                Environment = request.Identity.Environment,
                DatabaseServer = request.Identity.DatabaseServer,
                Server = request.Identity.Server,
                Port = request.Identity.Port,
                Rank = queries.Count + 1,
                Database = reader.IsDBNull(0) ? null : reader.GetString(0),
                User = reader.IsDBNull(1) ? null : reader.GetString(1),
                QueryId = reader.IsDBNull(2) ? null : reader.GetInt64(2),
                Calls = reader.GetInt64(3),
                TotalTime = TimeSpan.FromMilliseconds(reader.GetDouble(4)),
                MeanTime = TimeSpan.FromMilliseconds(reader.GetDouble(5)),
                MaxTime = TimeSpan.FromMilliseconds(reader.GetDouble(6)),
                Rows = reader.GetInt64(7),
                CacheHitPercent = hit + read == 0 ? null : Math.Round(100.0 * hit / (hit + read), 2),
                Query = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }
        return queries;
    }
}
