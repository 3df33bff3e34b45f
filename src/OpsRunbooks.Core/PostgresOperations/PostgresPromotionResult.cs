namespace OpsRunbooks.PostgresOperations;

/// <summary>What a promotion did, or why it did not promote: the standby's state before, and the times it took.</summary>
public sealed record PostgresPromotionResult
{
    /// <summary>The server asked to promote, host:port.</summary>
    public required string Server { get; init; }

    /// <summary>Whether it was a standby (in recovery) when asked.</summary>
    public required bool WasInRecovery { get; init; }

    /// <summary>Whether it left recovery and accepted the write check.</summary>
    public required bool Promoted { get; init; }

    /// <summary>From asking pg_promote until pg_is_in_recovery() was false.</summary>
    public TimeSpan? TimeToPromote { get; init; }

    /// <summary>From asking pg_promote until the write check committed and was read back.</summary>
    public TimeSpan? TimeToFirstWrite { get; init; }

    /// <summary>The last WAL position received before promoting (pg_last_wal_receive_lsn()).</summary>
    public string? LastReceivedLsn { get; init; }

    /// <summary>The last WAL position replayed before promoting.</summary>
    public string? ReplayLsn { get; init; }

    /// <summary>Bytes the standby knew of but had not replayed, before promoting.</summary>
    public long? LagBytes { get; init; }

    /// <summary>How long before the promotion the standby last heard from its primary (see StandbyStatus.ReceiveAge).</summary>
    public TimeSpan? ReceiveAge { get; init; }

    /// <summary>The row the write check inserted and read back, as table and id; null when none was written.</summary>
    public string? WriteCheck { get; init; }

    /// <summary>Why it was promoted or refused, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>The stable error id of a refusal or failure; null when it promoted.</summary>
    public string? ErrorId { get; init; }

    public override string ToString() => $"{Server}: {(Promoted ? "promoted" : "not promoted")}: {Reason}";
}
