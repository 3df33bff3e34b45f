namespace OpsRunbooks.Journal;

/// <summary>
/// One operation being recorded, from <see cref="OperationJournal.Begin"/> to its end. Exactly one entry is
/// written: by the first of Succeeded, Failed or Cancelled, or by Dispose, which records a failure (with the
/// error id noted by <see cref="NoteFailure"/>, if any) when the operation ended without saying how.
/// </summary>
public sealed class OperationRecording : IDisposable
{
    private readonly OperationJournal _journal;
    private Exception? _failure;

    internal OperationRecording(OperationJournal journal, string operation, string target, DateTime startedAt)
    {
        _journal = journal;
        Operation = operation;
        Target = target;
        StartedAt = startedAt;
    }

    public string Operation { get; }
    public string Target { get; }
    public DateTime StartedAt { get; }

    /// <summary>Figures gathered along the way; the ones given to Succeeded or Failed are added to them.</summary>
    public OperationFigures Figures { get; } = [];

    /// <summary>The entry written, once the operation has ended.</summary>
    public OperationLogEntry? Entry { get; private set; }

    public void Succeeded(OperationFigures? figures = null, string? message = null) =>
        End(OperationOutcome.Succeeded, figures, null, message);

    public void Failed(string errorId, string message, OperationFigures? figures = null) =>
        End(OperationOutcome.Failed, figures, errorId, message);

    public void Cancelled(string? message = null) => End(OperationOutcome.Cancelled, null, null, message ?? "Stopped before it finished.");

    /// <summary>Records the end an exception means: cancellation as Cancelled, anything else as Failed with its error id.</summary>
    public void Failed(Exception failure)
    {
        switch (failure)
        {
            case OperationCanceledException:
                Cancelled();
                break;
            case OpsException known:
                Failed(known.ErrorId, known.Message);
                break;
            default:
                Failed(JournalErrorIds.OperationFailedUnexpectedly, $"{failure.GetType().Name}: {failure.Message}");
                break;
        }
    }

    /// <summary>
    /// Notes the failure that is ending the operation, for Dispose to record; the first noted counts. Called from
    /// an exception filter, which runs before the using block's Dispose, when the exception is still in flight.
    /// </summary>
    public void NoteFailure(Exception failure) => _failure ??= failure;

    public void Dispose()
    {
        if (Entry is not null) return;
        if (_failure is { } failure) Failed(failure);
        else Failed(JournalErrorIds.OperationFailedUnexpectedly, "The operation ended without reporting how.");
    }

    private void End(OperationOutcome outcome, OperationFigures? figures, string? errorId, string? message)
    {
        if (Entry is not null) return;
        foreach (var (name, value) in figures ?? [])
            Figures.Add(name, value);
        var (user, host, runId) = OperationJournal.Context();
        Entry = new OperationLogEntry
        {
            Id = Guid.NewGuid().ToString("N"),
            Operation = Operation,
            Target = Target,
            Environment = _journal.Environment?.Name,
            User = user,
            Host = host,
            StartedAt = StartedAt,
            FinishedAt = DateTime.UtcNow,
            Outcome = outcome,
            Figures = Figures,
            ErrorId = errorId,
            RunId = runId,
            Message = message,
        };
        _journal.Write(Entry);
    }
}
