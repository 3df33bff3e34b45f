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

    /// <summary>Exact row counts of every user table as the snapshot sees them, keyed "schema.table".</summary>
    public Task<SortedDictionary<string, long>> CountRowsAsync(CancellationToken cancellationToken) =>
        TableRowCounts.CountAsync(_connection, _transaction, cancellationToken);

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
