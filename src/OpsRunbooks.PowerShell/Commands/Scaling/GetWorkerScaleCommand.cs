using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.PowerShell.Commands.Scaling;

/// <summary>How many workers a target wants, runs and has ready, with its bounds.</summary>
[Cmdlet(VerbsCommon.Get, "WorkerScale", DefaultParameterSetName = TargetSet)]
[OutputType(typeof(WorkerScale))]
public sealed class GetWorkerScaleCommand : ScaleTargetCommand
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TargetSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public WorkerScaleTarget[] Target { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    /// <summary>The targets of the environment's Scaling.Targets to read; all of them by default.</summary>
    [Parameter(Position = 0, ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<WorkerScaleTarget> targets = Target;
        if (ParameterSetName == EnvironmentSet && !TryRun(() => targets = TargetsOf(Environment!, Name)))
            return;
        foreach (var definition in targets)
        {
            TryRun(() => WriteObject(Run(async token =>
            {
                await using var target = definition.Open();
                var state = await target.GetScaleAsync(token);
                return WorkerScale.From(definition, state, DateTimeOffset.UtcNow);
            })));
        }
    }
}
