namespace OpsRunbooks.Journal;

/// <summary>
/// Records an operation that something other than a cmdlet timed: a runbook's run, a drill a runbook script
/// performed. It has ended already, so its entry is written at once, with the start it reports.
/// </summary>
public static class EndedOperations
{
    public static OperationLogEntry RecordEnded(this OperationJournal journal, string operation, string target, DateTime startedUtc,
        OperationOutcome outcome, OperationFigures? figures = null, string? errorId = null, string? message = null)
    {
        using var recording = new OperationRecording(journal, operation, target, startedUtc.ToUniversalTime());
        switch (outcome)
        {
            case OperationOutcome.Succeeded:
                recording.Succeeded(figures, message);
                break;
            case OperationOutcome.Failed:
                recording.Failed(errorId ?? JournalErrorIds.OperationFailedUnexpectedly, message ?? "Failed without saying why.", figures);
                break;
            default:
                foreach (var (name, value) in figures ?? [])
                    recording.Figures.Add(name, value);
                recording.Cancelled(message);
                break;
        }
        return recording.Entry!;
    }
}
