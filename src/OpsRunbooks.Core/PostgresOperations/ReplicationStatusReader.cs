using System.Globalization;
using Npgsql;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// What a server says about its replication: a primary, one row per standby connected to it; a standby, its own
/// positions and whether its primary answers.
/// </summary>
public sealed record ReplicationStatus(bool InRecovery, IReadOnlyList<ReplicationStandby> Standbys, StandbyStatus? Standby);

public static class ReplicationStatusReader
{
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(3);
    internal const int QueryTimeoutSeconds = 30;

    public static async Task<ReplicationStatus> ReadAsync(PostgresTarget target, TimeSpan probeTimeout, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await IsInRecoveryAsync(connection, cancellationToken).ConfigureAwait(false))
                return new ReplicationStatus(false, await ReadStandbysAsync(connection, Describe(target), cancellationToken).ConfigureAwait(false), null);
            var standby = await ReadStandbyAsync(connection, target, probeTimeout, cancellationToken).ConfigureAwait(false);
            return new ReplicationStatus(true, [], standby);
        }
        catch (Exception e) when (e is not OpsException && !cancellationToken.IsCancellationRequested && PostgresOperationsFailures.Describe(e, target) is { } described)
        {
            throw described;
        }
    }

    internal static string Describe(PostgresTarget target) => string.Create(CultureInfo.InvariantCulture, $"{target.Host}:{target.Port}");

    internal static async Task<bool> IsInRecoveryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection) { CommandTimeout = QueryTimeoutSeconds };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<IReadOnlyList<ReplicationStandby>> ReadStandbysAsync(NpgsqlConnection connection, string server, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT application_name, host(client_addr), state, sync_state, pg_current_wal_lsn()::text,
                   sent_lsn::text, write_lsn::text, flush_lsn::text, replay_lsn::text,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn)::bigint,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), write_lsn)::bigint,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
                   write_lag, flush_lag, replay_lag, reply_time
            FROM pg_stat_replication
            ORDER BY application_name, client_addr, pid
            """;
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = QueryTimeoutSeconds };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var standbys = new List<ReplicationStandby>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            standbys.Add(new ReplicationStandby
            {
                Server = server,
                StandbyName = reader.GetString(0),
                ClientAddress = Text(reader, 1),
                State = reader.GetString(2),
                SyncState = reader.GetString(3),
                CurrentLsn = reader.GetString(4),
                SentLsn = Text(reader, 5),
                WriteLsn = Text(reader, 6),
                FlushLsn = Text(reader, 7),
                ReplayLsn = Text(reader, 8),
                SentLagBytes = Number(reader, 9),
                WriteLagBytes = Number(reader, 10),
                FlushLagBytes = Number(reader, 11),
                ReplayLagBytes = Number(reader, 12),
                WriteLag = Interval(reader, 13),
                FlushLag = Interval(reader, 14),
                ReplayLag = Interval(reader, 15),
                ReplyTime = reader.IsDBNull(16) ? null : reader.GetDateTime(16),
            });
        }
        return standbys;
    }

    /// <summary>The standby's positions and receiver; what it last heard from its primary; a probe of the primary.</summary>
    internal static async Task<StandbyStatus> ReadStandbyAsync(NpgsqlConnection connection, PostgresTarget target, TimeSpan probeTimeout, CancellationToken cancellationToken)
    {
        // The receiver's times are trusted only while it streams: a receiver that is (re)starting sets them to its start time.
        const string sql = """
            SELECT pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
                   pg_wal_lsn_diff(greatest(pg_last_wal_receive_lsn(), r.latest_end_lsn), pg_last_wal_replay_lsn())::bigint,
                   pg_last_xact_replay_timestamp(), clock_timestamp() - pg_last_xact_replay_timestamp(),
                   pg_is_wal_replay_paused(), r.status,
                   greatest(CASE WHEN r.status = 'streaming' THEN r.last_msg_receipt_time END, pg_last_xact_replay_timestamp()),
                   r.sender_host, r.sender_port, clock_timestamp()
            FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true
            """;
        string? receiveLsn, replayLsn, receiverStatus, senderHost;
        long? lagBytes;
        DateTime? lastReplayed, lastReceive;
        TimeSpan? replayDelay;
        bool paused;
        int? senderPort;
        DateTime serverNow;
        await using (var command = new NpgsqlCommand(sql, connection) { CommandTimeout = QueryTimeoutSeconds })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            receiveLsn = Text(reader, 0);
            replayLsn = Text(reader, 1);
            lagBytes = Number(reader, 2);
            lastReplayed = reader.IsDBNull(3) ? null : reader.GetDateTime(3);
            replayDelay = Interval(reader, 4);
            paused = reader.GetBoolean(5);
            receiverStatus = Text(reader, 6);
            lastReceive = reader.IsDBNull(7) ? null : reader.GetDateTime(7);
            senderHost = Text(reader, 8);
            senderPort = reader.IsDBNull(9) ? null : reader.GetInt32(9);
            serverNow = reader.GetDateTime(10);
        }

        var primary = senderHost is not null && senderPort is not null
            ? (senderHost, senderPort.Value)
            : PrimaryConnectionInfo.Parse(await ReadPrimaryConnInfoAsync(connection, cancellationToken).ConfigureAwait(false));
        var probe = primary is { } address
            ? await PostgresProbe.ProbeAsync(address.Item1, address.Item2, probeTimeout, cancellationToken).ConfigureAwait(false)
            : null;
        return new StandbyStatus
        {
            Server = Describe(target),
            ReceiveLsn = receiveLsn,
            ReplayLsn = replayLsn,
            LagBytes = lagBytes,
            LastReplayedTransactionTime = lastReplayed,
            ReplayDelay = replayDelay,
            ReplayPaused = paused,
            ReceiverStatus = receiverStatus,
            LastReceiveTime = lastReceive,
            ReceiveAge = serverNow - lastReceive,
            PrimaryHost = primary?.Item1,
            PrimaryPort = primary?.Item2,
            PrimaryReachable = probe?.Answered,
            PrimaryProbe = probe?.Detail ?? "primary unknown: no WAL receiver runs and primary_conninfo names no host (or may not be read by this login)",
        };
    }

    /// <summary>primary_conninfo, which only superusers and pg_read_all_settings may read; null for anyone else.</summary>
    private static async Task<string?> ReadPrimaryConnInfoAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT CASE WHEN pg_has_role('pg_read_all_settings', 'USAGE') THEN current_setting('primary_conninfo') END",
            connection) { CommandTimeout = QueryTimeoutSeconds };
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    private static long? Number(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt64(column);

    private static TimeSpan? Interval(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetTimeSpan(column);
}
