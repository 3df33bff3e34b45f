using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets;
using OpsRunbooks.Scaling.Targets.Kubernetes;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

/// <summary>
/// Contract tests of the Kubernetes driver: no API server can run here, so an HTTP listener owned by the test stands
/// in for one on 127.0.0.1. It checks the exact requests the driver makes (method, path, content type, body, bearer
/// token) and answers with the documented shapes of an apps/v1 Deployment and an autoscaling/v1 Scale, keeping a
/// Deployment whose generation, observedGeneration and readyReplicas move the way the controller moves them.
/// </summary>
public sealed class KubernetesScaleTargetContractTests : IAsyncLifetime
{
    private const string Namespace = "jobs";
    private const string DeploymentName = "queue-worker";
    private const string DeploymentPath = $"/apis/apps/v1/namespaces/{Namespace}/deployments/{DeploymentName}";
    private const string Token = "contract-test-token";

    private readonly TestHttpListener _listener;
    private readonly string _kubeConfig = Path.Combine(Path.GetTempPath(), $"opsrunbooks-kubeconfig-{Guid.NewGuid():N}.yaml");

    // The Deployment the fake API server keeps.
    private int _replicas = 2, _generation = 4, _observedGeneration = 4, _readyReplicas = 2, _statusReplicas = 2;
    private string? _failureCondition;
    private HttpStatusCode? _answerWith;

    /// <summary>How many GETs after a change the controller takes to observe it and bring the pods up.</summary>
    private int _getsUntilReady;

    public KubernetesScaleTargetContractTests() => _listener = new TestHttpListener(request =>
    {
        var (status, json) = Answer(request.Method, request.Path, request.Body);
        return ((int)status, json);
    });

    private IReadOnlyCollection<RecordedRequest> Requests => _listener.Requests;

    public Task InitializeAsync()
    {
        File.WriteAllText(_kubeConfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: contract
              cluster:
                server: {_listener.Url}
            contexts:
            - name: other
              context:
                cluster: contract
                user: nobody
            - name: contract-context
              context:
                cluster: contract
                user: ops
                namespace: {Namespace}
            current-context: other
            users:
            - name: nobody
              user:
                token: wrong-token
            - name: ops
              user:
                token: {Token}
            """);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _listener.Dispose();
        File.Delete(_kubeConfig);
        return Task.CompletedTask;
    }

    private WorkerScaleTarget Target(int maximum = 10) =>
        new("queue-worker", 1, maximum, new KubernetesTargetSettings(DeploymentName, Namespace, _kubeConfig, "contract-context"));

    [Fact]
    public async Task ReadingTheScaleGetsTheDeploymentWithTheContextsToken()
    {
        _readyReplicas = 1;
        await using var target = Target().Open();

        var state = await target.GetScaleAsync(CancellationToken.None);

        Assert.Equal((2, 2, 1), (state.Desired, state.Running, state.Ready));
        Assert.Empty(state.Failures);
        var request = Assert.Single(Requests);
        Assert.Equal(("GET", DeploymentPath, $"Bearer {Token}"), (request.Method, request.Path, request.Authorization));
    }

    [Fact]
    public async Task ScalingPatchesTheScaleSubresourceWithAMergePatch()
    {
        await using var target = Target().Open();

        var action = await target.ScaleAsync(5, CancellationToken.None);

        Assert.Same(ScaleAction.Requested, action);
        var request = Assert.Single(Requests);
        Assert.Equal(("PATCH", DeploymentPath + "/scale"), (request.Method, request.Path));
        Assert.StartsWith("application/merge-patch+json", request.ContentType);
        Assert.Equal(5, JsonNode.Parse(request.Body)!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Single(JsonNode.Parse(request.Body)!.AsObject());
    }

    [Fact]
    public async Task ReadyCountsOnlyOnceTheControllerObservedTheCurrentGeneration()
    {
        _generation = 5;
        _observedGeneration = 4;
        _readyReplicas = 2;
        await using var target = Target().Open();

        Assert.Equal(0, (await target.GetScaleAsync(CancellationToken.None)).Ready);
        _observedGeneration = 5;
        Assert.Equal(2, (await target.GetScaleAsync(CancellationToken.None)).Ready);
    }

    [Fact]
    public async Task SetWaitsForTheNewGenerationsReadyReplicas()
    {
        _getsUntilReady = 3;
        await using var target = Target().Open();
        var plan = await WorkerScaler.PlanAsync(target, 4, CancellationToken.None);

        var result = await WorkerScaler.ApplyAsync(plan, new ScaleOptions(Wait: true, Timeout: TimeSpan.FromSeconds(20),
            SettleWindow: TimeSpan.FromMilliseconds(300), PollInterval: TimeSpan.FromMilliseconds(50)), null, CancellationToken.None);

        Assert.Equal((ScaleOutcome.Converged, 2, 4, 4), (result.Outcome, result.Previous, result.Requested, result.Ready));
        Assert.Equal(["GET", "PATCH"], Requests.Take(2).Select(r => r.Method));
        Assert.All(Requests.Skip(2), r => Assert.Equal(("GET", DeploymentPath), (r.Method, r.Path)));
    }

    [Fact]
    public async Task AProgressDeadlineExceededRollsBackWithTheConditionsMessage()
    {
        _failureCondition = "ProgressDeadlineExceeded";
        _getsUntilReady = int.MaxValue;
        await using var target = Target().Open();
        var plan = await WorkerScaler.PlanAsync(target, 6, CancellationToken.None);

        var result = await WorkerScaler.ApplyAsync(plan, new ScaleOptions(Wait: true, Timeout: TimeSpan.FromSeconds(5), RollbackOnFailure: true,
            SettleWindow: TimeSpan.FromMilliseconds(100), PollInterval: TimeSpan.FromMilliseconds(50)), null, CancellationToken.None);

        Assert.Equal(ScaleOutcome.RolledBack, result.Outcome);
        Assert.Contains("ProgressDeadlineExceeded", Assert.Single(result.Failures));
        Assert.Contains("has timed out progressing", result.Reason);
        var patches = Requests.Where(r => r.Method == "PATCH").Select(r => JsonNode.Parse(r.Body)!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal([6, 2], patches);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, ScalingErrorIds.ScaleTargetNotFound)]
    [InlineData(HttpStatusCode.Forbidden, ScalingErrorIds.ScaleTargetRefused)]
    [InlineData(HttpStatusCode.InternalServerError, ScalingErrorIds.ScaleTargetRefused)]
    public async Task TheApisRefusalsAreNamedErrors(HttpStatusCode status, string errorId)
    {
        _answerWith = status;
        await using var target = Target().Open();

        var error = await Assert.ThrowsAsync<OpsException>(() => target.GetScaleAsync(CancellationToken.None));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains($"{Namespace}/{DeploymentName}", error.Message);
    }

    [Fact]
    public async Task AnUnknownContextIsANamedError()
    {
        await using var target = new WorkerScaleTarget("w", 0, 3, new KubernetesTargetSettings(DeploymentName, Namespace, _kubeConfig, "no-such-context")).Open();

        var error = await Assert.ThrowsAsync<OpsException>(() => target.GetScaleAsync(CancellationToken.None));

        Assert.Equal(ScalingErrorIds.ScaleTargetUnreachable, error.ErrorId);
        Assert.Contains("no-such-context", error.Message);
    }

    private (HttpStatusCode, string) Answer(string method, string path, string body)
    {
        if (_answerWith is { } refusal)
            return (refusal, $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"deployments.apps \"{{DeploymentName}}\" {{refusal}}","reason":"{{refusal}}","code":{{(int)refusal}}}""");
        switch (method, path)
        {
            case ("GET", DeploymentPath):
                if (_getsUntilReady > 0 && --_getsUntilReady == 0)
                    (_observedGeneration, _readyReplicas, _statusReplicas) = (_generation, _replicas, _replicas);
                return (HttpStatusCode.OK, Deployment());
            case ("PATCH", DeploymentPath + "/scale"):
                _replicas = JsonNode.Parse(body)!["spec"]!["replicas"]!.GetValue<int>();
                _generation++;
                if (_getsUntilReady == 0)
                    (_observedGeneration, _readyReplicas, _statusReplicas) = (_generation, _replicas, _replicas);
                return (HttpStatusCode.OK, $$$"""
                    {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"{{{DeploymentName}}}","namespace":"{{{Namespace}}}","resourceVersion":"1042"},
                     "spec":{"replicas":{{{_replicas}}}},"status":{"replicas":{{{_statusReplicas}}},"selector":"app=queue-worker"}}
                    """);
            default:
                return (HttpStatusCode.NotFound, """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}""");
        }
    }

    private string Deployment()
    {
        var condition = _failureCondition is null ? "" : $$"""
            ,{"type":"Progressing","status":"False","reason":"{{_failureCondition}}","message":"ReplicaSet \"queue-worker-7d4b9\" has timed out progressing."}
            """;
        return $$$"""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"{{{DeploymentName}}}","namespace":"{{{Namespace}}}","generation":{{{_generation}}},"resourceVersion":"1041"},
             "spec":{"replicas":{{{_replicas}}},"selector":{"matchLabels":{"app":"queue-worker"}},
                     "template":{"metadata":{"labels":{"app":"queue-worker"}},"spec":{"terminationGracePeriodSeconds":30,"containers":[{"name":"worker","image":"worker:1"}]} } },
             "status":{"observedGeneration":{{{_observedGeneration}}},"replicas":{{{_statusReplicas}}},"updatedReplicas":{{{_statusReplicas}}},
                       "readyReplicas":{{{_readyReplicas}}},"availableReplicas":{{{_readyReplicas}}},
                       "conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"}{{{condition}}}]} }
            """;
    }
}
