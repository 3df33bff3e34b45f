using System.Management.Automation;
using System.Net;
using OpsRunbooks.Health;
using OpsRunbooks.Remote.Ssh;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Checks the free space and inodes of the file system holding a path, here or on a host over SSH.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DiskSpace", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestDiskSpaceCommand : HealthCommand
{
    private const string LocalSet = "Local";
    private const string KeySet = "SshKey";
    private const string PasswordSet = "SshPassword";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double DegradedFreePercent { get; set; } = DiskSpaceOptions.DefaultDegradedFreePercent;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double UnhealthyFreePercent { get; set; } = DiskSpaceOptions.DefaultUnhealthyFreePercent;

    [Parameter(Mandatory = true, ParameterSetName = KeySet)]
    [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
    [ValidateNotNullOrEmpty]
    public string? ComputerName { get; set; }

    [Parameter(ParameterSetName = KeySet)]
    [Parameter(ParameterSetName = PasswordSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = SshConnectionOptions.DefaultPort;

    [Parameter(Mandatory = true, ParameterSetName = KeySet)]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = KeySet)]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(ParameterSetName = KeySet)]
    [Parameter(ParameterSetName = PasswordSet)]
    [ValidateNotNullOrEmpty]
    public string? KnownHostsPath { get; set; }

    [Parameter(ParameterSetName = KeySet)]
    [Parameter(ParameterSetName = PasswordSet)]
    public SwitchParameter TrustNewHostKey { get; set; }

    protected override void ProcessRecord()
    {
        var remote = Remote();
        foreach (var path in Path)
        {
            WriteCheck(() => new DiskSpaceCheck(new DiskSpaceOptions(remote is null ? GetUnresolvedProviderPathFromPSPath(path) : path)
            {
                DegradedFreePercent = DegradedFreePercent,
                UnhealthyFreePercent = UnhealthyFreePercent,
                Remote = remote,
                Timeout = Timeout,
            }));
        }
    }

    private SshConnectionOptions? Remote() => ParameterSetName switch
    {
        KeySet => new SshConnectionOptions
        {
            Host = ComputerName!, Port = Port, User = User!, KeyFile = GetUnresolvedProviderPathFromPSPath(KeyFile!),
            KnownHostsPath = KnownHostsPath is null ? null : GetUnresolvedProviderPathFromPSPath(KnownHostsPath), TrustNewHostKey = TrustNewHostKey,
        },
        PasswordSet => new SshConnectionOptions
        {
            Host = ComputerName!, Port = Port, User = Credential.UserName,
            Password = new NetworkCredential(Credential.UserName, Credential.Password),
            KnownHostsPath = KnownHostsPath is null ? null : GetUnresolvedProviderPathFromPSPath(KnownHostsPath), TrustNewHostKey = TrustNewHostKey,
        },
        _ => null,
    };
}
