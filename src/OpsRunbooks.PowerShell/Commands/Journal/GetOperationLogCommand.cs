using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>
/// Reads the operations log, newest entry first, streaming: from the environment's JSON Lines file (or -Path, or
/// the default file), or with -Source Database from its PostgreSQL table.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OperationLog")]
[OutputType(typeof(OperationLogEntry))]
public sealed class GetOperationLogCommand : OpsCmdlet
{
    [Parameter(Position = 0)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[]? Operation { get; set; }

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    public OperationOutcome[]? Outcome { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Target { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    [Parameter]
    public OperationLogSource Source { get; set; } = OperationLogSource.File;

    protected override void EndProcessing()
    {
        var filter = new OperationLogFilter(
            Operation?.Select(o => new WildcardPattern(o, WildcardOptions.IgnoreCase)).ToArray(),
            Since is { } since ? (since.Kind == DateTimeKind.Utc ? since : since.ToUniversalTime()) : null,
            Outcome,
            Target is null ? null : new WildcardPattern(Target, WildcardOptions.IgnoreCase));
        TryRun(() =>
        {
            var written = 0;
            foreach (var entry in Entries())
            {
                if (!filter.Matches(entry)) continue;
                WriteObject(entry);
                if (++written == First) break;
            }
        });
    }

    private IEnumerable<OperationLogEntry> Entries()
    {
        var journal = new OperationJournal(Environment, WriteWarning);
        if (Source == OperationLogSource.Database)
        {
            var table = journal.DatabaseTable() ?? throw new OpsException(JournalErrorIds.JournalDatabaseServerUnknown, FailureKind.InvalidArgument,
                Environment is null
                    ? "-Source Database reads the table an environment's Journal section names; give -Environment."
                    : $"The environment '{Environment.Name}' ({Environment.SourcePath}) names no Journal.DatabaseServer; read its file instead.",
                Environment);
            return Run(async token =>
            {
                var entries = new List<OperationLogEntry>();
                await foreach (var entry in table.ReadNewestFirstAsync(null, token).ConfigureAwait(false))
                    entries.Add(entry);
                return entries;
            });
        }
        var file = Path is null ? journal.File : new JournalFile(GetUnresolvedProviderPathFromPSPath(Path));
        return file.ReadNewestFirst((offset, problem) => WriteError(ErrorRecords.From(new OpsException(JournalErrorIds.JournalEntryMalformed,
            FailureKind.InvalidData, $"The line at byte {offset} of '{file.Path}' is not an operations-log entry ({problem.Message}); it is skipped.", file.Path))));
    }

    protected override OpsException? DescribeUnexpected(Exception e) => e is IOException or UnauthorizedAccessException
        ? new OpsException(JournalErrorIds.JournalFileUnreadable, FailureKind.ResourceUnavailable, $"The operations log could not be read: {e.Message}", Path, e)
        : null;
}

/// <summary>Which entries are shown: each criterion given must hold; the patterns match whole names, ignoring case.</summary>
internal sealed record OperationLogFilter(WildcardPattern[]? Operations, DateTime? Since, OperationOutcome[]? Outcomes, WildcardPattern? Target)
{
    public bool Matches(OperationLogEntry entry) =>
        (Since is null || entry.FinishedAt >= Since)
        && (Outcomes is null || Outcomes.Contains(entry.Outcome))
        && (Operations is null || Operations.Any(p => p.IsMatch(entry.Operation)))
        && (Target is null || Target.IsMatch(entry.Target));
}

public enum OperationLogSource
{
    File,
    Database,
}
