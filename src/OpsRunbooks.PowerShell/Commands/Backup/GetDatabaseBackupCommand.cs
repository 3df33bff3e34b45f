using System.Management.Automation;
using OpsRunbooks.Backup;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Backup;

[Cmdlet(VerbsCommon.Get, "DatabaseBackup", DefaultParameterSetName = StoreSet)]
[OutputType(typeof(BackupRecord))]
public sealed class GetDatabaseBackupCommand : BackupCommand
{
    private const string StoreSet = "Store";
    private const string EnvironmentSet = "Environment";

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipeline = true)]
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
    [ValidateRange(1, int.MaxValue)]
    public int? Newest { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        var store = Store ?? BackupStoreFactory.ForEnvironment(Environment!);
        if (Database is null)
        {
            WriteObject(ListBackups(store, null, Newest), enumerateCollection: true);
            return;
        }
        foreach (var database in Database)
            WriteObject(ListBackups(store, database, Newest), enumerateCollection: true);
    });
}
