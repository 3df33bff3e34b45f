using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Storage;

/// <summary>Tries a store the way backups use it and reports, per capability, whether it can be trusted.</summary>
[Cmdlet(VerbsDiagnostic.Test, "BackupStore", DefaultParameterSetName = StoreSet, SupportsShouldProcess = true)]
[OutputType(typeof(BackupStoreTest))]
public sealed class TestBackupStoreCommand : OpsCmdlet
{
    private const string StoreSet = "Store";
    private const string EnvironmentSet = "Environment";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StoreSet, ValueFromPipeline = true)]
    public IBackupStore? Store { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        var store = Store ?? BackupStoreFactory.ForEnvironment(Environment!);
        if (!ShouldProcess(store.Location, "Write, read back, list and delete probe objects under .opsrunbooks-probe/"))
            return;
        WriteObject(Run(token => BackupStoreProbe.RunAsync(store, token)));
    });
}
