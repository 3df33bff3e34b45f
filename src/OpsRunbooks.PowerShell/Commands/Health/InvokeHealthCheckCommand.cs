using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Health;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Runs every check an environment's Health section declares, several at once, and emits one result each.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "HealthCheck")]
[OutputType(typeof(HealthCheckResult))]
public sealed class InvokeHealthCheckCommand : OpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int? ThrottleLimit { get; set; }

    protected override void EndProcessing()
    {
        var settings = Environment!.GetSection<HealthSettings>();
        if (settings is null || settings.Checks.Count == 0)
        {
            ThrowTerminatingError(ErrorRecords.From(new OpsException(HealthErrorIds.HealthSectionMissing, FailureKind.InvalidArgument,
                $"The environment '{Environment.Name}' ({Environment.SourcePath}) declares no health check: add a Health section, e.g. Health = @{{ Http = @( @{{ Uri = 'https://api.example.com/health' }} ) }}.",
                Environment)));
        }

        var checks = new List<HealthCheck>();
        foreach (var definition in settings.Checks)
            TryRun(() => checks.Add(definition.Create(Environment)));

        var done = 0;
        var progress = new ProgressRecord(1, "Invoke-HealthCheck", $"{Environment.Name}: {checks.Count} checks");
        var limit = ThrottleLimit ?? settings.ThrottleLimit ?? HealthCheckRun.DefaultThrottleLimit;
        TryRun(() =>
        {
            var results = Run(token => HealthCheckRun.RunAsync(checks, limit, result => Post(() =>
            {
                progress.PercentComplete = ++done * 100 / checks.Count;
                progress.StatusDescription = $"{done} of {checks.Count} done; last: {result.Check} {result.Target} {result.Status}";
                WriteProgress(progress);
            }), token));
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            WriteObject(results, enumerateCollection: true);
        });
    }
}
