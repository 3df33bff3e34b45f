using System.Management.Automation;
using OpsRunbooks.Remote;
using OpsRunbooks.Remote.Ssh;

namespace OpsRunbooks.PowerShell.Commands.Remote;

/// <summary>Runs a command over SSH on each host given, checking its host key, and emits what it returned.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "RemoteCommand", DefaultParameterSetName = KeyFileSet, SupportsShouldProcess = true)]
[OutputType(typeof(RemoteCommandResult))]
public sealed class InvokeRemoteCommandCommand : OpsCmdlet
{
    private const string KeyFileSet = "KeyFile";
    private const string CredentialSet = "Credential";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] ComputerName { get; set; } = [];

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = SshConnectionOptions.DefaultPort;

    [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(Mandatory = true, ParameterSetName = KeyFileSet)]
    [ValidateNotNullOrEmpty]
    public string User { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = KeyFileSet)]
    [ValidateNotNullOrEmpty]
    public string KeyFile { get; set; } = "";

    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    [Parameter]
    public SwitchParameter TrustNewHostKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KnownHostsPath { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var computer in ComputerName)
        {
            TryRun(() =>
            {
                if (!ShouldProcess(computer, $"Run '{Command}' over SSH")) return;
                WriteObject(Run(token => SshConnection.RunOnceAsync(Options(computer), Command, Timeout, token)));
            });
        }
    }

    private SshConnectionOptions Options(string computer) => new()
    {
        Host = computer,
        Port = Port,
        User = ParameterSetName == CredentialSet ? Credential.UserName : User,
        KeyFile = ParameterSetName == KeyFileSet ? GetUnresolvedProviderPathFromPSPath(KeyFile) : null,
        Password = ParameterSetName == CredentialSet ? Credential.GetNetworkCredential() : null,
        KnownHostsPath = KnownHostsPath is null ? null : GetUnresolvedProviderPathFromPSPath(KnownHostsPath),
        TrustNewHostKey = TrustNewHostKey,
        ConnectTimeout = Timeout < SshConnectionOptions.DefaultConnectTimeout ? Timeout : SshConnectionOptions.DefaultConnectTimeout,
    };
}
