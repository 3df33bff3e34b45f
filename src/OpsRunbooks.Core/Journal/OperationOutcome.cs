namespace OpsRunbooks.Journal;

/// <summary>How an operation ended.</summary>
public enum OperationOutcome
{
    Succeeded,
    Failed,

    /// <summary>Stopped by Ctrl+C, SIGTERM or a runner's timeout before it finished.</summary>
    Cancelled,
}
