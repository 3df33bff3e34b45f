using System.Management.Automation;
using OpsRunbooks.Backup;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Backup;

/// <summary>Collects the backups piped in and, when they are all in, plans which to keep and which to remove.</summary>
[Cmdlet(VerbsCommon.Get, "BackupRetentionPlan", DefaultParameterSetName = PolicySet)]
[OutputType(typeof(RetentionDecision))]
public sealed class GetBackupRetentionPlanCommand : BackupCommand
{
    private const string PolicySet = "Policy";
    private const string EnvironmentSet = "Environment";
    private readonly List<BackupRecord> _backups = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BackupRecord[] Backup { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateRange(0, int.MaxValue)]
    public int? Daily { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateRange(0, int.MaxValue)]
    public int? Weekly { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateRange(0, int.MaxValue)]
    public int? Monthly { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? KeepMinimum { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    protected override void ProcessRecord() => _backups.AddRange(Backup);

    protected override void EndProcessing() => TryRun(() =>
    {
        var policy = RetentionPolicy.For(Environment, Daily, Weekly, Monthly, KeepMinimum);
        WriteVerbose($"Planning retention of {_backups.Count} backups: {policy}.");
        foreach (var decision in RetentionPlanner.Plan(_backups, policy))
            WriteObject(decision);
    });
}
