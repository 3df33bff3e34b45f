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
        var filter = new OperationLogFilter(Operation, Since is { } since ? (since.Kind == DateTimeKind.Utc ? since : since.ToUniversalTime()) : null, Outcome, Target);
        TryRun(() =>
        {
            var journal = new OperationJournal(Environment, WriteWarning);
            var entries = Source == OperationLogSource.Database ? TableEntries(journal, filter) : FileEntries(journal).Where(filter.Matches);
            foreach (var entry in First is { } first ? entries.Take(first) : entries)
                WriteObject(entry);
        });
    }

    /// <summary>The table's entries as the server filters them, each written as it arrives.</summary>
    private IEnumerable<OperationLogEntry> TableEntries(OperationJournal journal, OperationLogFilter filter)
    {
        var table = journal.DatabaseTable() ?? throw new OpsException(JournalErrorIds.JournalDatabaseServerUnknown, FailureKind.InvalidArgument,
            Environment is null
                ? "-Source Database reads the table an environment's Journal section names; give -Environment."
                : $"The environment '{Environment.Name}' ({Environment.SourcePath}) names no Journal.DatabaseServer; read its file instead.",
            Environment);
        return Stream(token => table.ReadNewestFirstAsync(filter.ToQuery(First), token));
    }

    private IEnumerable<OperationLogEntry> FileEntries(OperationJournal journal)
    {
        var file = Path is null ? journal.File : new JournalFile(GetUnresolvedProviderPathFromPSPath(Path));
        return file.ReadNewestFirst((offset, problem) => WriteError(ErrorRecords.From(new OpsException(JournalErrorIds.JournalEntryMalformed,
            FailureKind.InvalidData, $"The line at byte {offset} of '{file.Path}' is not an operations-log entry ({problem.Message}); it is skipped.", file.Path))));
    }

    protected override OpsException? DescribeUnexpected(Exception e) => e is IOException or UnauthorizedAccessException
        ? new OpsException(JournalErrorIds.JournalFileUnreadable, FailureKind.ResourceUnavailable, $"The operations log could not be read: {e.Message}", Path, e)
        : null;
}

/// <summary>Which entries are shown: each criterion given must hold; the patterns match whole names, ignoring case.</summary>
internal sealed record OperationLogFilter(string[]? Operations, DateTime? Since, OperationOutcome[]? Outcomes, string? Target)
{
    private readonly WildcardPattern[]? _operations = Operations?.Select(Pattern).ToArray();
    private readonly WildcardPattern? _target = Target is null ? null : Pattern(Target);

    public bool Matches(OperationLogEntry entry) =>
        (Since is null || entry.FinishedAt >= Since)
        && (Outcomes is null || Outcomes.Contains(entry.Outcome))
        && (_operations is null || _operations.Any(p => p.IsMatch(entry.Operation)))
        && (_target is null || _target.IsMatch(entry.Target));

    /// <summary>
    /// The same criteria for the server to apply. What only .NET's culture-aware comparison makes equal (a letter
    /// and its decomposed form, ignorable characters) matches here alone; a ? is one UTF-16 unit here, one
    /// character there.
    /// </summary>
    public OperationLogQuery ToQuery(int? first) => new()
    {
        Operations = Operations?.Select(PostgresWildcard.ToRegex).ToArray(),
        Since = Since,
        Outcomes = Outcomes,
        Target = Target is null ? null : PostgresWildcard.ToRegex(Target),
        First = first,
    };

    private static WildcardPattern Pattern(string pattern) => new(pattern, WildcardOptions.IgnoreCase);
}

public enum OperationLogSource
{
    File,
    Database,
}
