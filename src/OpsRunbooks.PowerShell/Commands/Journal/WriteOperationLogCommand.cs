using System.Collections;
using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>
/// Records one entry in the operations log for work a runbook script did itself (a drill, a procedure of
/// several cmdlets), and for the runner's run summary: cmdlets record their own.
/// </summary>
[Cmdlet(VerbsCommunications.Write, "OperationLog", SupportsShouldProcess = true)]
[OutputType(typeof(OperationLogEntry))]
public sealed class WriteOperationLogCommand : OpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Operation { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    [Parameter]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    // A string, not the enum: a field of a core value type would need the core loaded before the module
    // initializer has made it reachable.
    [Parameter]
    [ValidateSet(nameof(OperationOutcome.Succeeded), nameof(OperationOutcome.Failed), nameof(OperationOutcome.Cancelled))]
    public string Outcome { get; set; } = nameof(OperationOutcome.Succeeded);

    [Parameter]
    public DateTime? StartedAt { get; set; }

    [Parameter]
    public IDictionary? Figures { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ErrorId { get; set; }

    [Parameter]
    public string? Message { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var outcome = Enum.Parse<OperationOutcome>(Outcome, ignoreCase: true);
        if (outcome != OperationOutcome.Failed && ErrorId is not null)
        {
            ThrowTerminatingError(ErrorRecords.From(new OpsException(JournalErrorIds.OperationLogEntryInvalid, FailureKind.InvalidArgument,
                $"-ErrorId belongs to a Failed entry; this one is {outcome}. Give -Outcome Failed, or leave -ErrorId out.", ErrorId)));
        }
        if (!ShouldProcess($"{Target} ({Outcome})", $"Record {Operation} in the operations log")) return;
        TryRun(() =>
        {
            var figures = new OperationFigures();
            foreach (DictionaryEntry figure in Figures ?? new Hashtable())
            {
                var value = figure.Value is PSObject wrapped ? wrapped.BaseObject : figure.Value;
                try
                {
                    figures.Add(Convert.ToString(figure.Key, System.Globalization.CultureInfo.InvariantCulture)!, value!);
                }
                catch (ArgumentException e)
                {
                    throw new OpsException(JournalErrorIds.OperationLogEntryInvalid, FailureKind.InvalidArgument,
                        $"The figure '{figure.Key}' cannot be recorded: {e.Message}", figure.Key, e);
                }
            }
            var journal = new OperationJournal(Environment, WriteWarning);
            var entry = journal.RecordEnded(Operation!, Target!, StartedAt?.ToUniversalTime() ?? DateTime.UtcNow, outcome, figures, ErrorId, Message);
            if (PassThru) WriteObject(entry);
        });
    }
}
