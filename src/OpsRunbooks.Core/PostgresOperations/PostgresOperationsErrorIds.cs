namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// The stable error ids of PostgreSQL operations (activity, ending queries, slow queries, replication,
/// promotion, upgrades). Failures of the connection itself keep the ids of <see cref="Postgres.PostgresErrorIds"/>
/// (ConnectionFailed, AuthenticationFailed, ConnectionLost, PostgresError).
/// </summary>
public static class PostgresOperationsErrorIds
{
    /// <summary>-DatabaseServer (or an upgrade's -Source/-Target) names no DatabaseServers entry of the environment.</summary>
    public const string DatabaseServerNotInEnvironment = "DatabaseServerNotInEnvironment";

    /// <summary>-DatabaseServer was left out of an environment with several (or no) DatabaseServers entries.</summary>
    public const string DatabaseServerRequired = "DatabaseServerRequired";

    /// <summary>-ClientAddress is neither an IP address nor a network.</summary>
    public const string ClientAddressInvalid = "ClientAddressInvalid";

    /// <summary>A negative duration (-MinimumDuration).</summary>
    public const string DurationInvalid = "DurationInvalid";

    /// <summary>pg_stat_statements is not loaded (shared_preload_libraries) or not created in the database.</summary>
    public const string PgStatStatementsMissing = "PgStatStatementsMissing";

    /// <summary>The login may not read or signal other sessions (pg_read_all_stats / pg_signal_backend missing).</summary>
    public const string PermissionDenied = "PermissionDenied";

    /// <summary>An upgrade whose target runs an older major version than its source.</summary>
    public const string UpgradeTargetOlder = "UpgradeTargetOlder";

    /// <summary>An upgrade whose source and target are the same server.</summary>
    public const string UpgradeSameServer = "UpgradeSameServer";

    /// <summary>A database to upgrade exists on the target already; it is never written over.</summary>
    public const string UpgradeTargetDatabaseExists = "UpgradeTargetDatabaseExists";

    /// <summary>An I/O or network failure an operation did not describe itself.</summary>
    public const string PostgresOperationIOFailed = "PostgresOperationIOFailed";

    /// <summary>Promotion asked of a server that is not in recovery: it is a primary already.</summary>
    public const string PromotionNotAStandby = "PromotionNotAStandby";

    /// <summary>The standby last heard from its primary longer ago than -MaximumReceiveAge, or cannot tell when.</summary>
    public const string PromotionStandbyStale = "PromotionStandbyStale";

    /// <summary>The standby has more WAL still to replay than -MaximumLagBytes.</summary>
    public const string PromotionLagTooHigh = "PromotionLagTooHigh";

    /// <summary>The standby had not left recovery within -Timeout of pg_promote.</summary>
    public const string PromotionTimedOut = "PromotionTimedOut";

    /// <summary>The promoted server did not commit, or did not read back, the write check.</summary>
    public const string PromotionWriteFailed = "PromotionWriteFailed";

    /// <summary>A replication or promotion time limit (-Timeout, -MaximumReceiveAge) that is zero or negative.</summary>
    public const string ReplicationArgumentInvalid = "ReplicationArgumentInvalid";

    /// <summary>Stop-PostgresQuery left a session alone on purpose (its own, or a replication or server process without -Force); in the operations log.</summary>
    public const string QueryStopRefused = "QueryStopRefused";

    /// <summary>Stop-PostgresQuery signalled a session in vain or was not permitted to; in the operations log.</summary>
    public const string QueryStopFailed = "QueryStopFailed";
}
