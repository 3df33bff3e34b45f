using System.Management.Automation;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Storage;

[Cmdlet(VerbsCommon.New, "BackupStore", DefaultParameterSetName = "Local")]
[OutputType(typeof(LocalDirectoryStore))]
public sealed class NewBackupStoreCommand : OpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Local")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override void ProcessRecord() =>
        TryRun(() => WriteObject(new LocalDirectoryStore(GetUnresolvedProviderPathFromPSPath(Path))));
}
