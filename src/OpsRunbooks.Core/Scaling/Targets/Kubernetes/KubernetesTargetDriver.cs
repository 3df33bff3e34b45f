using OpsRunbooks.Environments;

namespace OpsRunbooks.Scaling.Targets.Kubernetes;

/// <summary>
/// Driver = 'Kubernetes'; Deployment = '&lt;name&gt;'; Namespace = '&lt;ns&gt;'; KubeConfig = '&lt;path&gt;'; Context = '&lt;context&gt;':
/// a Deployment scaled through its scale subresource.
/// </summary>
public sealed class KubernetesTargetDriver : IScaleTargetDriver
{
    public string Name => KubernetesTargetSettings.DriverName;
    public string Kind => "a Kubernetes Deployment";
    public IReadOnlyCollection<string> Keys { get; } = ["Deployment", "Namespace", "KubeConfig", "Context"];

    public ScaleTargetSettings Read(SettingsTable target) => new KubernetesTargetSettings(
        target.RequiredText("Deployment"),
        target.Text("Namespace") ?? KubernetesTargetSettings.DefaultNamespace,
        target.FilePath("KubeConfig"),
        target.Text("Context"));
}

/// <summary>
/// A Deployment in <see cref="Namespace"/> of the cluster that <see cref="KubeConfig"/> (default: $KUBECONFIG, else
/// ~/.kube/config) names for <see cref="Context"/> (default: its current context).
/// </summary>
public sealed record KubernetesTargetSettings(string Deployment, string Namespace, string? KubeConfig, string? Context) : ScaleTargetSettings
{
    public const string DriverName = "Kubernetes";
    public const string DefaultNamespace = "default";

    public override string Driver => DriverName;
    public override string Location => $"deployment {Namespace}/{Deployment}" + (Context is null ? "" : $" in context {Context}");

    public override IScaleTarget Open(WorkerScaleTarget target) => new KubernetesScaleTarget(target, this);
}
