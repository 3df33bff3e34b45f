namespace OpsRunbooks.PostgresOperations;

/// <summary>One standby as its primary reports it (a row of pg_stat_replication): how far it has got and how far behind it is.</summary>
public sealed class ReplicationStandby
{
    /// <summary>The primary, host:port.</summary>
    public required string Server { get; init; }

    /// <summary>The standby's application_name (its cluster_name, or "walreceiver" when it sets none).</summary>
    public required string StandbyName { get; init; }

    public string? ClientAddress { get; init; }

    /// <summary>startup, catchup, streaming, backup or stopping.</summary>
    public required string State { get; init; }

    /// <summary>async, potential, sync or quorum.</summary>
    public required string SyncState { get; init; }

    /// <summary>The primary's current WAL position (pg_current_wal_lsn()) when it was asked.</summary>
    public required string CurrentLsn { get; init; }

    public string? SentLsn { get; init; }
    public string? WriteLsn { get; init; }
    public string? FlushLsn { get; init; }
    public string? ReplayLsn { get; init; }

    /// <summary>Bytes of WAL from each position to the primary's current one (pg_wal_lsn_diff).</summary>
    public long? SentLagBytes { get; init; }
    public long? WriteLagBytes { get; init; }
    public long? FlushLagBytes { get; init; }

    /// <summary>Bytes of WAL the standby has not replayed yet: the seed's lag_bytes.</summary>
    public long? ReplayLagBytes { get; init; }

    /// <summary>How long the standby took to write, flush and replay recent WAL; null when it has been idle and caught up.</summary>
    public TimeSpan? WriteLag { get; init; }
    public TimeSpan? FlushLag { get; init; }
    public TimeSpan? ReplayLag { get; init; }

    /// <summary>When the standby last reported its positions.</summary>
    public DateTime? ReplyTime { get; init; }

    public override string ToString() => $"{StandbyName} ({ClientAddress}) of {Server}: {State}, {ReplayLagBytes} bytes behind";
}
