using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>Exact row counts of every user table of a database, as manifests record and restores compare them.</summary>
public static class TableRowCounts
{
    private const string ListTables = """
        SELECT n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
          AND NOT c.relispartition
        ORDER BY 1, 2
        """;

    /// <summary>Counts rows of every user table, keyed "schema.table", within <paramref name="transaction"/> when given.</summary>
    public static async Task<SortedDictionary<string, long>> CountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table)>();
        await using (var list = new NpgsqlCommand(ListTables, connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                tables.Add((reader.GetString(0), reader.GetString(1)));
        }

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (tables.Count == 0) return counts;
        // One statement for all tables: one round trip, however many tables the database has.
        var sql = string.Join("\nUNION ALL ", tables.Select((t, i) =>
            $"SELECT {i}, count(*) FROM {QuoteIdentifier(t.Schema)}.{QuoteIdentifier(t.Table)}"));
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var results = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await results.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (schema, table) = tables[results.GetInt32(0)];
            counts[$"{schema}.{table}"] = results.GetInt64(1);
        }
        return counts;
    }

    public static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
