using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>Exact row counts of every user table of a database, as manifests record and restores compare them.</summary>
public static class TableRowCounts
{
    public const string MismatchErrorId = "RowCountMismatch";

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

    /// <summary>
    /// Every table whose restored row count differs from the manifest's, or that only one of them has, in
    /// table order, as "schema.table: N restored, the manifest says M"; empty when all agree.
    /// </summary>
    public static IReadOnlyList<string> Differences(IDictionary<string, long> manifest, IDictionary<string, long> restored)
    {
        static string Describe(IDictionary<string, long> counts, string table) =>
            counts.TryGetValue(table, out var count) ? count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "no such table";
        return manifest.Keys.Union(restored.Keys).Order(StringComparer.Ordinal)
            .Where(table => !manifest.TryGetValue(table, out var expected) || !restored.TryGetValue(table, out var actual) || expected != actual)
            .Select(table => $"{table}: {Describe(restored, table)} restored, the manifest says {Describe(manifest, table)}")
            .ToList();
    }

    public static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
