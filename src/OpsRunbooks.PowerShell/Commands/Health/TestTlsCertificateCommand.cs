using System.Management.Automation;
using OpsRunbooks.Health;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Checks a TLS endpoint's certificate: days to expiry, a trusted chain, the host name.</summary>
[Cmdlet(VerbsDiagnostic.Test, "TlsCertificate")]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestTlsCertificateCommand : HealthCommand
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] HostName { get; set; } = [];

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = TlsCertificateOptions.DefaultPort;

    [Parameter]
    [ValidateRange(0, 3650)]
    public int WarningDays { get; set; } = TlsCertificateOptions.DefaultWarningDays;

    [Parameter]
    [ValidateRange(0, 3650)]
    public int CriticalDays { get; set; } = TlsCertificateOptions.DefaultCriticalDays;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CertificateAuthority { get; set; }

    protected override void ProcessRecord()
    {
        var authority = CertificateAuthority is null ? null : GetUnresolvedProviderPathFromPSPath(CertificateAuthority);
        foreach (var host in HostName)
        {
            WriteCheck(() => new TlsCertificateCheck(new TlsCertificateOptions(host)
            {
                Port = Port,
                WarningDays = WarningDays,
                CriticalDays = CriticalDays,
                CertificateAuthority = authority,
                Timeout = Timeout,
            }));
        }
    }
}
