using System.Collections;
using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Scaling.Targets;
using OpsRunbooks.Scaling.Targets.Kubernetes;
using OpsRunbooks.Scaling.Targets.Supervisor;

namespace OpsRunbooks.PowerShell.Commands.Scaling;

/// <summary>A scale target: from typed parameters per driver, from a table shaped like an environment file's entry, or from an environment.</summary>
[Cmdlet(VerbsCommon.New, "WorkerScaleTarget", DefaultParameterSetName = SupervisorSet)]
[OutputType(typeof(WorkerScaleTarget))]
public sealed class NewWorkerScaleTargetCommand : ScaleTargetCommand
{
    private const string SupervisorSet = "Supervisor";
    private const string KubernetesSet = "Kubernetes";
    private const string DefinitionSet = "Definition";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SupervisorSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = KubernetesSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DefinitionSet)]
    [Parameter(Position = 0, ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    /// <summary>supervisord's XML-RPC endpoint: http://host:port[/RPC2] or unix:///path/to/supervisor.sock.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SupervisorSet)]
    [ValidateNotNullOrEmpty]
    public string SupervisorUrl { get; set; } = "";

    /// <summary>The program group; defaults to the target's name.</summary>
    [Parameter(ParameterSetName = SupervisorSet)]
    [ValidateNotNullOrEmpty]
    public string? Group { get; set; }

    /// <summary>The Deployment; defaults to the target's name.</summary>
    [Parameter(ParameterSetName = KubernetesSet)]
    [ValidateNotNullOrEmpty]
    public string? Deployment { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = KubernetesSet)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = "";

    /// <summary>The kubeconfig file; $KUBECONFIG or ~/.kube/config by default.</summary>
    [Parameter(ParameterSetName = KubernetesSet)]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    /// <summary>The kubeconfig context; its current context by default.</summary>
    [Parameter(ParameterSetName = KubernetesSet)]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>A table of the same keys as an entry of the environment file's Scaling.Targets: Driver, Minimum, Maximum and the driver's own.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    public Hashtable Definition { get; set; } = [];

    [Parameter(ParameterSetName = SupervisorSet)]
    [Parameter(ParameterSetName = KubernetesSet)]
    [ValidateRange(0, ScaleTargetDrivers.MaximumWorkers)]
    public int Minimum { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = SupervisorSet)]
    [Parameter(Mandatory = true, ParameterSetName = KubernetesSet)]
    [ValidateRange(0, ScaleTargetDrivers.MaximumWorkers)]
    public int Maximum { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        if (ParameterSetName == EnvironmentSet)
        {
            WriteObject(TargetsOf(Environment!, Name), enumerateCollection: true);
            return;
        }
        if (Name.Length != 1)
            throw new OpsException(OpsRunbooks.Scaling.ScalingErrorIds.ScaleParameterInvalid, FailureKind.InvalidArgument,
                $"-Name takes one name here (it names the target being made), not {Name.Length}.", Name);
        if (ParameterSetName == DefinitionSet)
        {
            var baseDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            WriteObject(ScaleTargetDrivers.FromDefinition(Name[0], Definition, baseDirectory));
            return;
        }
        if (Maximum < Minimum)
            throw new OpsException(OpsRunbooks.Scaling.ScalingErrorIds.ScaleParameterInvalid, FailureKind.InvalidArgument,
                $"-Maximum {Maximum} is below -Minimum {Minimum}.", Maximum);
        var name = Name.Single();
        if (ParameterSetName == KubernetesSet)
        {
            var kubeConfig = KubeConfig is null ? null : GetUnresolvedProviderPathFromPSPath(KubeConfig);
            WriteObject(new WorkerScaleTarget(name, Minimum, Maximum, new KubernetesTargetSettings(Deployment ?? name, Namespace, kubeConfig, Context)));
            return;
        }
        if (!SupervisorTargetSettings.IsValidUrl(SupervisorUrl))
            throw new OpsException(OpsRunbooks.Scaling.ScalingErrorIds.ScaleParameterInvalid, FailureKind.InvalidArgument,
                $"-SupervisorUrl '{SupervisorUrl}' is not http://host:port[/RPC2] or unix:///path/to/supervisor.sock.", SupervisorUrl);
        WriteObject(new WorkerScaleTarget(name, Minimum, Maximum, new SupervisorTargetSettings(SupervisorUrl, Group ?? name, null, null)));
    });
}
