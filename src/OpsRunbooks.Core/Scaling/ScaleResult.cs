namespace OpsRunbooks.Scaling;

/// <summary>How a change of a target's worker count ended.</summary>
public enum ScaleOutcome
{
    /// <summary>The platform took the new count; nobody waited for the workers (no -Wait).</summary>
    Requested,

    /// <summary>As many workers as requested are ready and stayed up through the settle window.</summary>
    Converged,

    /// <summary>The workers did not converge and the count was left as requested.</summary>
    NotConverged,

    /// <summary>The workers did not converge and the previous count was put back.</summary>
    RolledBack,
}

/// <summary>What Set-WorkerScale did to one target: the counts, the wait, the drain and any rollback.</summary>
public sealed record ScaleResult
{
    public required string Target { get; init; }
    public required string Driver { get; init; }
    public required int Previous { get; init; }
    public required int Requested { get; init; }

    /// <summary>Workers ready when the change ended (after a rollback: of the restored count).</summary>
    public required int Ready { get; init; }

    public required ScaleOutcome Outcome { get; init; }
    public bool Converged => Outcome == ScaleOutcome.Converged;
    public bool RolledBack => Outcome == ScaleOutcome.RolledBack;

    /// <summary>From the request to the end of the wait (or of the rollback).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>For a scale-down: whether every surplus worker has stopped; null for a scale-up.</summary>
    public bool? Drained { get; init; }

    /// <summary>How long the surplus workers took to stop after their stop signal; null when unknown or not a scale-down.</summary>
    public TimeSpan? DrainDuration { get; init; }

    /// <summary>Workers that had to be killed after their grace period, by name, when the platform tells.</summary>
    public IReadOnlyList<string> Killed { get; init; } = [];

    /// <summary>What the new workers did wrong ("worker_03: FATAL (Exited too quickly)"), when they failed.</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>Why the change did not converge, and what the rollback did; empty when it converged.</summary>
    public string Reason { get; init; } = "";

    public required DateTimeOffset StartedAt { get; init; }
}
