namespace OpsRunbooks.PostgresOperations;

/// <summary>The limits a standby must meet to be promoted, and how long to wait for it.</summary>
public sealed record PromotionRequest
{
    public static readonly TimeSpan DefaultMaximumReceiveAge = TimeSpan.FromMinutes(5);

    /// <summary>The seed's switchover threshold: 1 MB of WAL.</summary>
    public const long DefaultMaximumLagBytes = 1024 * 1024;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Refuse when the standby last heard from its primary longer ago than this (or when that is unknown).</summary>
    public TimeSpan MaximumReceiveAge { get; init; } = DefaultMaximumReceiveAge;

    /// <summary>Refuse when the standby has more WAL than this still to replay.</summary>
    public long MaximumLagBytes { get; init; } = DefaultMaximumLagBytes;

    /// <summary>Promote even when the standby is stale or behind (never a server that is not a standby).</summary>
    public bool Force { get; init; }

    /// <summary>How long pg_promote, and then leaving recovery, may take.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>How long the probe of the standby's primary waits for an answer.</summary>
    public TimeSpan ProbeTimeout { get; init; } = ReplicationStatusReader.DefaultProbeTimeout;
}
