namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// A standby's own view of its replication: what it received and replayed, how old that is, its WAL receiver,
/// and whether its primary answers.
/// </summary>
public sealed class StandbyStatus
{
    /// <summary>The standby, host:port.</summary>
    public required string Server { get; init; }

    /// <summary>pg_last_wal_receive_lsn(): the last WAL position received and flushed by streaming; null if it never streamed.</summary>
    public string? ReceiveLsn { get; init; }

    /// <summary>pg_last_wal_replay_lsn(): the last WAL position replayed.</summary>
    public string? ReplayLsn { get; init; }

    /// <summary>
    /// Bytes of WAL the standby knows of (received, or reported by the primary as written) but has not replayed yet;
    /// promotion replays them first.
    /// </summary>
    public long? LagBytes { get; init; }

    /// <summary>Commit time of the last transaction replayed (pg_last_xact_replay_timestamp()).</summary>
    public DateTime? LastReplayedTransactionTime { get; init; }

    /// <summary>How long ago that transaction committed; it grows while the primary is idle, too.</summary>
    public TimeSpan? ReplayDelay { get; init; }

    public bool ReplayPaused { get; init; }

    /// <summary>The WAL receiver's status (streaming, waiting, ...); null when no receiver runs, as when the primary is down.</summary>
    public string? ReceiverStatus { get; init; }

    /// <summary>
    /// When the standby last heard from its primary: the receiver's last message while it streams, else the commit time of the
    /// last transaction replayed; null when neither is known.
    /// </summary>
    public DateTime? LastReceiveTime { get; init; }

    /// <summary>How long ago <see cref="LastReceiveTime"/> was, by the standby's clock.</summary>
    public TimeSpan? ReceiveAge { get; init; }

    /// <summary>The primary from the receiver or primary_conninfo (host and port only; its password is never read out).</summary>
    public string? PrimaryHost { get; init; }
    public int? PrimaryPort { get; init; }

    /// <summary>Whether a PostgreSQL server answered at the primary's address; null when the address is unknown.</summary>
    public bool? PrimaryReachable { get; init; }

    /// <summary>What the probe of the primary found, in words.</summary>
    public required string PrimaryProbe { get; init; }

    public override string ToString() => $"standby {Server}: received {ReceiveLsn}, replayed {ReplayLsn}, {LagBytes} bytes behind";
}
