using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Reports;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>
/// Per database: when it was last proven restorable (restore test, drill or restore), how long a restore takes
/// now and whether that is getting slower, and the failures since; from the operations log.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RestoreEvidence")]
[OutputType(typeof(RestoreEvidence))]
public sealed class GetRestoreEvidenceCommand : OpsCmdlet
{
    [Parameter(Position = 0)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[]? Database { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Trend { get; set; } = 5;

    protected override void ProcessRecord() => TryRun(() =>
    {
        var now = DateTime.UtcNow;
        var entries = Run(token => Task.Run(() => JournalReading.ReadAll(Environment, PostWarning, token), token));
        IEnumerable<RestoreEvidence> evidence = Environment is not null
            ? RestoreEvidenceBuilder.Build(entries, Database ?? Environment.Databases.Select(d => d.Name), Environment.Name, Trend, now)
            : entries.GroupBy(e => e.Environment).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => RestoreEvidenceBuilder.Build(g, Database ?? [], g.Key, Trend, now));
        if (Database is not null)
            evidence = evidence.Where(e => Database.Contains(e.Database, StringComparer.Ordinal));
        foreach (var item in evidence)
            WriteObject(item);
    });
}
