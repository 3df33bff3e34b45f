namespace OpsRunbooks.TestSupport;

/// <summary>
/// A PostgreSQL 15 primary and its streaming standby on 127.0.0.1, both throwaway. Promotion is one-way, so a test that
/// promotes the standby starts a pair of its own.
/// </summary>
public sealed class ReplicationPair : IAsyncDisposable
{
    private ReplicationPair(PostgresService primary, PostgresService standby)
    {
        Primary = primary;
        Standby = standby;
    }

    private const string MarkerTable = "CREATE TABLE IF NOT EXISTS replication_marker (value text)";

    public PostgresService Primary { get; }
    public PostgresService Standby { get; }

    /// <summary>
    /// Starts both and returns once the standby streams and has replayed a transaction written after it started, so that
    /// it knows when it last heard from its primary.
    /// </summary>
    public static async Task<ReplicationPair> StartAsync()
    {
        var primary = await PostgresService.StartAsync();
        PostgresService? standby = null;
        try
        {
            // Made before the base backup, so the standby never reads a table it has not replayed yet.
            await primary.QueryAsync(MarkerTable, "postgres");
            standby = await primary.StartStandbyAsync();
            var pair = new ReplicationPair(primary, standby);
            await pair.WriteAndWaitForReplayAsync();
            return pair;
        }
        catch
        {
            if (standby is not null) await standby.DisposeAsync();
            await primary.DisposeAsync();
            throw;
        }
    }

    /// <summary>Commits a row on the primary and waits until the standby has replayed it; returns the row's value.</summary>
    public async Task<string> WriteAndWaitForReplayAsync()
    {
        var value = Guid.NewGuid().ToString("N");
        await Primary.QueryAsync($"{MarkerTable}; INSERT INTO replication_marker VALUES ('{value}')", "postgres");
        await Eventually.WaitForAsync(async () => await Standby.QueryAsync($"SELECT count(*) FROM replication_marker WHERE value = '{value}'", "postgres") == "1",
            "the standby to replay a row written on the primary", TimeSpan.FromSeconds(30));
        await Eventually.WaitForAsync(async () => await Standby.QueryAsync("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'", "postgres") == "1",
            "the standby's WAL receiver to stream", TimeSpan.FromSeconds(30));
        return value;
    }

    public async ValueTask DisposeAsync()
    {
        await Standby.DisposeAsync();
        await Primary.DisposeAsync();
    }
}
