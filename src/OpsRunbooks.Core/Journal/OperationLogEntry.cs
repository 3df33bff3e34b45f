namespace OpsRunbooks.Journal;

/// <summary>
/// One state-changing operation as the operations log keeps it: what was done to what, where, by whom, when,
/// how it ended and its key figures. Written once, when the operation ends; never holds a secret.
/// </summary>
public sealed class OperationLogEntry
{
    /// <summary>A unique id (32 hex digits), so copies of the entry in several sinks can be matched.</summary>
    public required string Id { get; init; }

    /// <summary>What was done, in the cmdlet's words: "DatabaseBackup", "BackupRemoval", "WorkerScale", ...</summary>
    public required string Operation { get; init; }

    /// <summary>What it was done to: a database and server, a backup id, a scale target.</summary>
    public required string Target { get; init; }

    /// <summary>The environment's name; null for an operation given servers and stores directly.</summary>
    public string? Environment { get; init; }

    public required string User { get; init; }
    public required string Host { get; init; }
    public required DateTime StartedAt { get; init; }
    public required DateTime FinishedAt { get; init; }
    public TimeSpan Duration => FinishedAt - StartedAt;
    public required OperationOutcome Outcome { get; init; }
    public OperationFigures Figures { get; init; } = [];

    /// <summary>The stable error id of the failure; null unless the outcome is Failed.</summary>
    public string? ErrorId { get; init; }

    /// <summary>The runbook run the operation belongs to (the runner's OPSRUNBOOKS_RUN_ID); null outside one.</summary>
    public string? RunId { get; init; }

    /// <summary>A sentence for a person: the failure's message, or what was done.</summary>
    public string? Message { get; init; }

    public override string ToString() => $"{FinishedAt:u} {Operation} {Target}: {Outcome}";
}
