using System.Management.Automation;
using OpsRunbooks.Health;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Base of the Test-* health cmdlets: one check per input, its result written whatever the target's state.</summary>
public abstract class HealthCommand : OpsCmdlet
{
    /// <summary>How long the whole check may take; past it the target is Unhealthy ("no answer within ...").</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = HealthCheck.DefaultTimeout;

    /// <summary>Runs a check and writes its result; a check that cannot be made (bad thresholds) is an error.</summary>
    protected void WriteCheck(Func<HealthCheck> create) => TryRun(() =>
    {
        var check = create();
        WriteObject(Run(check.RunAsync));
    });
}
