using System.Management.Automation;
using System.Text;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Reports;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>
/// Writes the operations report of an environment: one self-contained HTML page with, per database, its
/// freshness, its restore evidence and charts of backup sizes, backup durations and restore times.
/// </summary>
[Cmdlet(VerbsData.Export, "OpsReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportOpsReportCommand : OpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Trend { get; set; } = 5;

    protected override void ProcessRecord()
    {
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(path, $"Write the operations report of {Environment!.Name}")) return;
        TryRun(() =>
        {
            var now = DateTime.UtcNow;
            var entries = Run(token => Task.Run(() => JournalReading.ReadAll(Environment, PostWarning, token), token));
            var store = BackupStoreFactory.ForEnvironment(Environment);
            var report = Run(token => OpsReportBuilder.BuildAsync(Environment, store, entries, Trend, now,
                unreadable => Post(() => WriteError(ErrorRecords.From(unreadable))), token));
            // Written beside the target and renamed over it, so a reader never sees half a page.
            var partial = path + ".partial";
            try
            {
                File.WriteAllText(partial, OpsReportHtml.Render(report), new UTF8Encoding(false));
                File.Move(partial, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (File.Exists(partial)) File.Delete(partial);
                throw new OpsException(ReportErrorIds.ReportNotWritten, FailureKind.ResourceUnavailable,
                    $"The report could not be written to '{path}': {e.Message} Give a -Path in a directory that exists and that you can write.", path, e);
            }
            WriteObject(new FileInfo(path));
        });
    }
}
