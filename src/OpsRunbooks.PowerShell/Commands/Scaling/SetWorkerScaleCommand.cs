using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.PowerShell.Commands.Scaling;

/// <summary>
/// Changes a target's worker count, refusing counts outside its bounds; with -Wait, waits until the workers are ready
/// and stay up, and with -RollbackOnFailure puts the previous count back when they fail.
/// </summary>
[Cmdlet(VerbsCommon.Set, "WorkerScale", DefaultParameterSetName = TargetSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ScaleResult))]
public sealed class SetWorkerScaleCommand : ScaleTargetCommand
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TargetSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public WorkerScaleTarget? Target { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    /// <summary>The target of the environment's Scaling.Targets to scale.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The worker count wanted; a ScaleRecommendation's Desired binds to it from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Desired")]
    [ValidateRange(0, ScaleTargetDrivers.MaximumWorkers)]
    public int Replicas { get; set; }

    [Parameter]
    public SwitchParameter Wait { get; set; }

    [Parameter]
    public TimeSpan Timeout { get; set; } = ScaleOptions.DefaultTimeout;

    [Parameter]
    public SwitchParameter RollbackOnFailure { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        if (Timeout <= TimeSpan.Zero)
            throw new OpsException(ScalingErrorIds.ScaleParameterInvalid, FailureKind.InvalidArgument, $"-Timeout must be longer than zero, not {Timeout}.", Timeout);
        var definition = Target ?? ScalingSettings.GetTarget(Environment!, Name);
        var target = definition.Open();
        try
        {
            Scale(target);
        }
        finally
        {
            Run(async _ => await target.DisposeAsync());
        }
    });

    private void Scale(IScaleTarget target)
    {
        var plan = Run(token => WorkerScaler.PlanAsync(target, Replicas, token));
        if (!ShouldProcess(target.Definition.ToString(), plan.Description))
            return;

        using var operation = BeginOperation("WorkerScale", target.Definition.ToString(), Environment);
        operation.Figures.Add("Previous", plan.Previous);
        operation.Figures.Add("Requested", plan.Requested);
        var options = new ScaleOptions(Wait || RollbackOnFailure, Timeout, RollbackOnFailure);
        var progress = new Progress<string>(message => Post(() => WriteProgress(new ProgressRecord(1, "Set-WorkerScale", message))));
        var result = Run(token => WorkerScaler.ApplyAsync(plan, options, progress, token));
        var figures = new OperationFigures
        {
            { "Previous", result.Previous },
            { "Requested", result.Requested },
            { "Ready", result.Ready },
            { "Outcome", result.Outcome.ToString() },
            { "DurationSeconds", result.Duration },
        };
        if (result.DrainDuration is { } drain) figures.Add("DrainSeconds", drain);
        if (result.Killed.Count > 0) figures.Add("Killed", result.Killed.Count);
        WriteObject(result);
        if (result.Outcome is ScaleOutcome.Requested or ScaleOutcome.Converged)
        {
            operation.Succeeded(figures);
            return;
        }
        var errorId = result.RolledBack ? ScalingErrorIds.ScaleRolledBack : ScalingErrorIds.ScaleNotConverged;
        var error = new OpsException(errorId, FailureKind.OperationFailed,
            $"Target '{result.Target}' did not reach {result.Requested} ready worker(s): {result.Reason}.", target.Definition);
        operation.Failed(errorId, error.Message, figures);
        WriteError(ErrorRecords.From(error));
    }
}
