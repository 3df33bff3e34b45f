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

    /// <summary>Pauses the standby's replay; disposing the result resumes it and waits until the standby has caught up.</summary>
    public async Task<IAsyncDisposable> PauseReplayAsync()
    {
        await Standby.QueryAsync("SELECT pg_wal_replay_pause()", "postgres");
        return new Paused(this);
    }

    /// <summary>
    /// Pauses the standby's replay and writes about 4 MiB of WAL on the primary, then waits until both the primary's
    /// view (pg_stat_replication) and the standby's own put it more than <paramref name="bytes"/> behind. Disposing the
    /// result drops what was written, resumes replay and waits until the standby has caught up again.
    /// </summary>
    public async Task<IAsyncDisposable> FallBehindAsync(long bytes)
    {
        var behind = new Behind(this, await PauseReplayAsync());
        try
        {
            await Primary.QueryAsync($"CREATE TABLE {Behind.Filler} AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 30000) AS g", "postgres");
            await Eventually.WaitForAsync(async () =>
                    long.Parse(await Primary.QueryAsync("SELECT coalesce(min(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) FROM pg_stat_replication", "postgres")) > bytes
                    && long.Parse(await Standby.QueryAsync("SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())", "postgres")) > bytes,
                $"the standby to fall {bytes} bytes behind", TimeSpan.FromSeconds(30));
            return behind;
        }
        catch
        {
            await behind.DisposeAsync();
            throw;
        }
    }

    private sealed class Paused(ReplicationPair pair) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await pair.Standby.QueryAsync("SELECT pg_wal_replay_resume()", "postgres");
            await pair.WriteAndWaitForReplayAsync();
        }
    }

    private sealed class Behind(ReplicationPair pair, IAsyncDisposable paused) : IAsyncDisposable
    {
        public const string Filler = "lag_filler";

        public async ValueTask DisposeAsync()
        {
            try
            {
                await pair.Primary.QueryAsync($"DROP TABLE IF EXISTS {Filler}", "postgres");
            }
            finally
            {
                await paused.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Standby.DisposeAsync();
        await Primary.DisposeAsync();
    }
}
