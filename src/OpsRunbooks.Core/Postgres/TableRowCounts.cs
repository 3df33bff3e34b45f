using Npgsql;

namespace OpsRunbooks.Postgres;

/// <summary>
/// Row counts as manifests record them (taken from the dump itself, see <see cref="CustomArchiveCompressor"/>)
/// and as restores and integrity tests compare them against the restored database.
/// </summary>
public static class TableRowCounts
{
    private const string ListTables = """
        SELECT n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
        """;

    /// <summary>Counts the rows of <paramref name="tables"/> in <paramref name="database"/>, as <see cref="CountAsync(NpgsqlConnection, IEnumerable{string}, CancellationToken)"/> does.</summary>
    public static async Task<SortedDictionary<string, long>> CountAsync(PostgresTarget database, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(database, cancellationToken).ConfigureAwait(false);
        try
        {
            return await CountAsync(connection, tables, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresConnector.Failure(e, database);
        }
    }

    /// <summary>
    /// Exact row counts of those of <paramref name="tables"/> ("schema.table") that the database has, keyed
    /// the same way; a table it lacks is left out, for <see cref="Differences"/> to name.
    /// </summary>
    public static async Task<SortedDictionary<string, long>> CountAsync(NpgsqlConnection connection, IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        var wanted = tables.ToHashSet(StringComparer.Ordinal);
        var present = new List<(string Schema, string Table)>();
        await using (var list = new NpgsqlCommand(ListTables, connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (schema, table) = (reader.GetString(0), reader.GetString(1));
                if (wanted.Contains($"{schema}.{table}")) present.Add((schema, table));
            }
        }

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (present.Count == 0) return counts;
        // One statement for all tables: one round trip, however many tables the database has.
        var sql = string.Join("\nUNION ALL ", present.Select((t, i) =>
            $"SELECT {i}, count(*) FROM ONLY {QuoteIdentifier(t.Schema)}.{QuoteIdentifier(t.Table)}"));
        await using var command = new NpgsqlCommand(sql, connection);
        await using var results = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await results.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (schema, table) = present[results.GetInt32(0)];
            counts[$"{schema}.{table}"] = results.GetInt64(1);
        }
        return counts;
    }

    /// <summary>
    /// Every table of the manifest whose restored row count differs, or that the restored database lacks,
    /// in table order, as "schema.table: N restored, the manifest says M"; empty when all agree. Tables only
    /// the restored database has (an extension's own, say) held no data in the backup and are not compared.
    /// </summary>
    public static IReadOnlyList<string> Differences(IDictionary<string, long> manifest, IDictionary<string, long> restored)
    {
        static string Describe(long count) => count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        return manifest.Keys.Order(StringComparer.Ordinal)
            .Where(table => !restored.TryGetValue(table, out var actual) || actual != manifest[table])
            .Select(table => $"{table}: {(restored.TryGetValue(table, out var count) ? Describe(count) : "no such table")} restored, the manifest says {Describe(manifest[table])}")
            .ToList();
    }

    public static string QuoteIdentifier(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}
