using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Environments;

[Cmdlet(VerbsCommon.Get, "OpsEnvironment")]
[OutputType(typeof(OpsEnvironment))]
public sealed class GetOpsEnvironmentCommand : OpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var directory = Path is null
            ? EnvironmentFile.DefaultDirectory(SessionState.Path.CurrentFileSystemLocation.ProviderPath)
            : GetUnresolvedProviderPathFromPSPath(Path);
        foreach (var name in Name)
            TryRun(() => WriteObject(EnvironmentFile.Load(name, directory)));
    }
}
