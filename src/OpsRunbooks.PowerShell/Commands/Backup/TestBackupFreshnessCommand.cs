using System.Management.Automation;
using OpsRunbooks.Backup;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Backup;

/// <summary>Checks, per database, that the newest backup is recent and that its size is in line with the previous ones.</summary>
[Cmdlet(VerbsDiagnostic.Test, "BackupFreshness", DefaultParameterSetName = StoreSet)]
[OutputType(typeof(BackupFreshnessResult))]
public sealed class TestBackupFreshnessCommand : BackupCommand
{
    private const string StoreSet = "Store";
    private const string EnvironmentSet = "Environment";

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    public IBackupStore? Store { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[]? Database { get; set; }

    [Parameter]
    public TimeSpan? MaximumAge { get; set; }

    [Parameter]
    [ValidateRange(0d, 1e9)]
    public double? SizeWarningPercent { get; set; }

    [Parameter]
    [ValidateRange(0d, 1e9)]
    public double? SizeCriticalGrowthPercent { get; set; }

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double? SizeCriticalDropPercent { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? SizeBaselineCount { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        var policy = FreshnessPolicy.For(Environment, MaximumAge, SizeWarningPercent, SizeCriticalGrowthPercent, SizeCriticalDropPercent, SizeBaselineCount);
        var store = Store ?? BackupStoreFactory.ForEnvironment(Environment!);
        IEnumerable<BackupRecord> backups = ListBackups(store, Database is [var only] ? only : null);
        IEnumerable<string> expected = Environment?.Databases.Select(d => d.Name) ?? [];
        if (Database is not null)
        {
            backups = backups.Where(b => Database.Contains(b.Database, StringComparer.Ordinal));
            expected = Database;
        }
        foreach (var result in BackupFreshness.Evaluate(backups, expected, policy, DateTime.UtcNow))
            WriteObject(result);
    });
}
