using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>
/// Holds a repeatable-read transaction open and exports its snapshot, so pg_dump (with --snapshot) and
/// the per-table row counts see exactly the same data.
/// </summary>
public sealed class SnapshotRowCounter : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private SnapshotRowCounter(NpgsqlConnection connection, NpgsqlTransaction transaction, string snapshotId)
    {
        _connection = connection;
        _transaction = transaction;
        SnapshotId = snapshotId;
    }

    public string SnapshotId { get; }

    public static async Task<SnapshotRowCounter> BeginAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        // Counting runs beside pg_dump; parallel workers would only take CPU from the dump itself.
        await using (var settings = new NpgsqlCommand("SET TRANSACTION READ ONLY; SET LOCAL max_parallel_workers_per_gather = 0", connection, transaction))
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction);
        var snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new SnapshotRowCounter(connection, transaction, snapshot);
    }

    /// <summary>Exact row counts of every user table, keyed "schema.table".</summary>
    public async Task<SortedDictionary<string, long>> CountRowsAsync(CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table)>();
        const string listTables = """
            SELECT n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
              AND NOT c.relispartition
            ORDER BY 1, 2
            """;
        await using (var list = new NpgsqlCommand(listTables, _connection, _transaction))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                tables.Add((reader.GetString(0), reader.GetString(1)));
        }

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (schema, table) in tables)
        {
            var sql = $"SELECT count(*) FROM {QuoteIdentifier(schema)}.{QuoteIdentifier(table)}";
            await using var count = new NpgsqlCommand(sql, _connection, _transaction);
            counts[$"{schema}.{table}"] = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        return counts;
    }

    public static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.RollbackAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection already broke; closing it below releases the snapshot all the same.
        }
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
