namespace OpsRunbooks.PostgresOperations;

/// <summary>A server process from pg_stat_activity: a client's session, or one of the server's own (autovacuum, walsender, ...).</summary>
public sealed class PostgresSession
{
    public string? Environment { get; init; }
    public string? DatabaseServer { get; init; }
    public required string Server { get; init; }
    public required int Port { get; init; }

    public required int Pid { get; init; }
    public string? Database { get; init; }
    public string? User { get; init; }

    /// <summary>Whether the login is a superuser; false for processes without one.</summary>
    public bool IsSuperuser { get; init; }
    public string? ApplicationName { get; init; }

    /// <summary>The client's IP address; null for a unix socket or a server process.</summary>
    public string? ClientAddress { get; init; }
    public int? ClientPort { get; init; }

    /// <summary>'client backend' for sessions; 'walsender', 'autovacuum worker', 'background worker', ... for the server's own.</summary>
    public required string BackendType { get; init; }

    /// <summary>active, idle, idle in transaction, idle in transaction (aborted), fastpath function call, disabled; null for server processes.</summary>
    public string? State { get; init; }
    public string? WaitEventType { get; init; }
    public string? WaitEvent { get; init; }

    /// <summary>The processes holding the locks this one waits for (pg_blocking_pids).</summary>
    public required IReadOnlyList<int> BlockedBy { get; init; }

    public DateTime? BackendStartUtc { get; init; }
    public DateTime? TransactionStartUtc { get; init; }
    public DateTime? QueryStartUtc { get; init; }

    /// <summary>How long the running query has run; null unless the session is active.</summary>
    public TimeSpan? QueryDuration { get; init; }

    /// <summary>How long the open transaction has been open; null outside a transaction.</summary>
    public TimeSpan? TransactionDuration { get; init; }

    /// <summary>The running query, or the last one of an idle session.</summary>
    public string? Query { get; init; }

    public bool IsBlocked => BlockedBy.Count > 0;

    public override string ToString() => $"{Pid} on {Server}:{Port}";
}
