using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.Models;

namespace OpsRunbooks.Scaling.Targets.Kubernetes;

/// <summary>
/// A Deployment through the Kubernetes API (KubernetesClient): the count is set by a merge patch of the apps/v1 scale
/// subresource, as kubectl scale does; the state is the Deployment's spec and status, where ready counts only once the
/// controller has observed the current generation. Kubernetes stops surplus pods itself (SIGTERM, then
/// terminationGracePeriodSeconds), so a scale-down returns at once and the core measures the drain.
/// </summary>
internal sealed class KubernetesScaleTarget : IScaleTarget
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly KubernetesTargetSettings _settings;
    private k8s.Kubernetes? _client;

    public KubernetesScaleTarget(WorkerScaleTarget definition, KubernetesTargetSettings settings)
    {
        Definition = definition;
        _settings = settings;
    }

    public WorkerScaleTarget Definition { get; }

    public async Task<ScaleState> GetScaleAsync(CancellationToken cancellationToken)
    {
        var deployment = await CallAsync("read", client => client.AppsV1.ReadNamespacedDeploymentAsync(_settings.Deployment, _settings.Namespace, cancellationToken: cancellationToken));
        var desired = deployment.Spec?.Replicas ?? 1;
        var status = deployment.Status;
        var observed = status?.ObservedGeneration >= deployment.Metadata?.Generation;
        var failures = (status?.Conditions ?? [])
            .Where(c => (c.Type == "ReplicaFailure" && c.Status == "True") || (c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded"))
            .Select(c => $"{_settings.Deployment}: {c.Type} {c.Reason}" + (string.IsNullOrEmpty(c.Message) ? "" : $" ({c.Message})"))
            .ToArray();
        return new ScaleState(
            Desired: desired,
            Running: status?.Replicas ?? 0,
            Ready: observed ? status?.ReadyReplicas ?? 0 : 0,
            Stopping: 0,
            Failures: failures,
            Killed: []);
    }

    public async Task<ScaleAction> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        var patch = new V1Patch($"{{\"spec\":{{\"replicas\":{replicas}}}}}", V1Patch.PatchType.MergePatch);
        await CallAsync("scale", client => client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, _settings.Deployment, _settings.Namespace, cancellationToken: cancellationToken));
        return ScaleAction.Requested;
    }

    private async Task<T> CallAsync<T>(string what, Func<k8s.Kubernetes, Task<T>> call)
    {
        var location = $"deployment {_settings.Namespace}/{_settings.Deployment}";
        try
        {
            return await call(Client());
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetNotFound, FailureKind.NotFound,
                $"The Kubernetes API has no {location}; check the target's Deployment, Namespace and Context.", Definition, e);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetRefused, FailureKind.AuthenticationFailed,
                $"The Kubernetes API refused to {what} {location} (HTTP {(int)e.Response.StatusCode}): the kubeconfig's user needs get and patch on deployments/scale there.", Definition, e);
        }
        catch (HttpOperationException e)
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetRefused, FailureKind.OperationFailed,
                $"The Kubernetes API answered the {what} of {location} with HTTP {(int)e.Response.StatusCode}: {e.Response.Content}", Definition, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && e.InnerException is TimeoutException))
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetUnreachable, FailureKind.ConnectionFailed,
                $"The Kubernetes API at {_client?.BaseUri} did not answer the {what} of {location}: {e.Message}", Definition, e);
        }
    }

    private k8s.Kubernetes Client()
    {
        if (_client is not null) return _client;
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(_settings.KubeConfig, _settings.Context);
        }
        catch (Exception e) when (e is KubeConfigException or FileNotFoundException or IOException)
        {
            throw new OpsException(ScalingErrorIds.ScaleTargetUnreachable, FailureKind.InvalidArgument,
                $"The kubeconfig {_settings.KubeConfig ?? "($KUBECONFIG or ~/.kube/config)"} cannot be used" +
                (_settings.Context is null ? "" : $" with context '{_settings.Context}'") + $": {e.Message}", Definition, e);
        }
        configuration.HttpClientTimeout = RequestTimeout;
        return _client = new k8s.Kubernetes(configuration);
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return ValueTask.CompletedTask;
    }
}
