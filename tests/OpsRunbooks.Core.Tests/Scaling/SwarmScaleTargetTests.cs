using OpsRunbooks.Redis;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Queues;
using OpsRunbooks.Scaling.Recommendation;
using OpsRunbooks.Scaling.Targets;
using OpsRunbooks.Scaling.Targets.Swarm;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

[Collection(DockerCollection.Name)]
public sealed class SwarmScaleTargetTests(DockerFixture fixture)
{
    private static readonly ScaleOptions Wait = new(Wait: true, Timeout: TimeSpan.FromSeconds(90), SettleWindow: TimeSpan.FromSeconds(1));

    private readonly DockerService _docker = fixture.Docker;

    private WorkerScaleTarget Target(string service, int maximum = 8) =>
        new(service, 0, maximum, new SwarmTargetSettings(service, _docker.Endpoint));

    private Dictionary<string, string> Worker(string queue) => new()
    {
        ["WORKER_REDIS"] = fixture.Redis.Endpoint,
        ["WORKER_QUEUE"] = queue,
    };

    private static async Task<ScaleResult> ScaleAsync(IScaleTarget target, int replicas, ScaleOptions options) =>
        await WorkerScaler.ApplyAsync(await WorkerScaler.PlanAsync(target, replicas, CancellationToken.None), options, null, CancellationToken.None);

    [Fact]
    public async Task ScalingUpWaitsForRunningTasksAndScalingDownDrainsThem()
    {
        const string service = "swarm-up-down";
        await _docker.CreateServiceAsync(service, 1, TimeSpan.FromSeconds(10), Worker(service));
        try
        {
            await using var target = Target(service).Open();

            var up = await ScaleAsync(target, 3, Wait);
            Assert.Equal(ScaleOutcome.Converged, up.Outcome);
            Assert.Equal(3, up.Ready);
            Assert.Equal(3, (await target.GetScaleAsync(CancellationToken.None)).Desired);

            var down = await ScaleAsync(target, 1, Wait);
            Assert.Equal(ScaleOutcome.Converged, down.Outcome);
            Assert.True(down.Drained);
            Assert.NotNull(down.DrainDuration);
            Assert.Empty(down.Killed);
        }
        finally
        {
            await _docker.RemoveServiceAsync(service);
        }
    }

    [Fact]
    public async Task QueueDrivenScalingRaisesTasksDrainsTheQueueAndScalesBackAfterTheStabilisationWindow()
    {
        // What runbooks/scaling/Invoke-QueueWorkerScaling.ps1 does, against a Swarm service whose workers take real jobs.
        const string service = "swarm-queue";
        const int jobs = 200;
        var window = TimeSpan.FromSeconds(20);
        var worker = Worker(service);
        worker["WORKER_JOB_MS"] = "50";
        await _docker.CreateServiceAsync(service, 1, TimeSpan.FromSeconds(10), worker);
        var state = Directory.CreateTempSubdirectory("opsrunbooks-scaling-state-").FullName;
        try
        {
            await fixture.Redis.PipeAsync(Enumerable.Range(1, jobs).Select(i => new[] { "RPUSH", $"queues:{service}", $"{{\"id\":\"{service}-{i}\"}}" }));
            var definition = new WorkerScaleTarget(service, 1, 4, new SwarmTargetSettings(service, _docker.Endpoint));
            var request = new RecommendationRequest
            {
                Policy = new ScalePolicy { TargetWaitMinutes = 1, JobsPerWorkerPerMinute = 10, Minimum = 1, Maximum = 4, ScaleDownStabilization = window },
                Target = definition,
                Environment = "swarm",
                StateDirectory = state,
            };
            var redis = new RedisEndpoint(fixture.Redis.Host, fixture.Redis.Port);
            async Task<ScaleRecommendation> RecommendAsync() => await WorkerScaleRecommender.RecommendAsync(
                await QueueDepthReader.ReadAsync(redis, TimeSpan.FromSeconds(5), new QueueDepthRequest([service], QueueLayout.Horizon), CancellationToken.None),
                request, CancellationToken.None);
            await using var target = definition.Open();

            var up = await RecommendAsync();
            Assert.Equal((1, 4), (up.Current, up.Desired));
            var raised = await ScaleAsync(target, up.Desired, Wait);
            Assert.Equal((ScaleOutcome.Converged, 4), (raised.Outcome, raised.Ready));
            await Eventually.WaitForAsync(async () => await fixture.Redis.CliAsync("LLEN", $"queues:{service}") == "0"
                                           && (await DoneAsync()).Length == jobs, "every job done", TimeSpan.FromSeconds(60));

            // The queue is empty, but the window still holds the recommendation that wanted 4.
            var held = await RecommendAsync();
            Assert.True((held.Current, held.Desired) == (4, 4), $"{held.Current} → {held.Desired}: {held.Reason}");
            var windowLeft = up.DecidedAt + window + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
            if (windowLeft > TimeSpan.Zero)
                await Task.Delay(windowLeft);
            var down = await RecommendAsync();
            Assert.True((down.Current, down.Desired) == (4, 1), $"{down.Current} → {down.Desired}: {down.Reason}");
            var lowered = await ScaleAsync(target, down.Desired, Wait);
            Assert.Equal((ScaleOutcome.Converged, 1, true), (lowered.Outcome, lowered.Ready, lowered.Drained));

            Assert.Equal(Enumerable.Range(1, jobs).Select(i => $"{service}-{i}").Order(), (await DoneAsync()).Order());
            foreach (var id in new[] { 1, jobs / 2, jobs })
                Assert.Equal("1", await fixture.Redis.CliAsync("GET", $"done:{service}-{id}"));
        }
        finally
        {
            await _docker.RemoveServiceAsync(service);
            Directory.Delete(state, recursive: true);
        }

        async Task<string[]> DoneAsync() =>
            [.. (await fixture.Redis.CliAsync("LRANGE", "done", "0", "-1")).Split('\n').Where(id => id.StartsWith(service + "-", StringComparison.Ordinal))];
    }

    [Fact]
    public async Task ATaskThatOutlivesItsGracePeriodIsReportedKilled()
    {
        const string service = "swarm-killed";
        // busybox sleep as PID 1 ignores SIGTERM: Swarm kills it when the grace period ends.
        await _docker.CreateServiceAsync(service, 2, TimeSpan.FromSeconds(1), null, "/bin/sleep", "600");
        try
        {
            await using var target = Target(service).Open();
            Assert.Equal(ScaleOutcome.Converged, (await ScaleAsync(target, 2, Wait)).Outcome);

            var down = await ScaleAsync(target, 1, Wait);

            Assert.Equal(ScaleOutcome.Converged, down.Outcome);
            Assert.Single(down.Killed);
            Assert.StartsWith($"{service}.2.", down.Killed[0]);
        }
        finally
        {
            await _docker.RemoveServiceAsync(service);
        }
    }

    [Fact]
    public async Task UpdatesMadeAtTheSameTimeAreRetriedAndNoneIsLost()
    {
        const string service = "swarm-concurrent";
        await _docker.CreateServiceAsync(service, 1, TimeSpan.FromSeconds(5), null, "/bin/sleep", "600");
        try
        {
            var targets = Enumerable.Range(0, 4).Select(_ => Target(service).Open()).ToArray();
            var labels = Enumerable.Range(0, 4).Select(i => LabelAsync(service, $"concurrent{i}=yes"));
            var scales = targets.Select(t => t.ScaleAsync(2, CancellationToken.None));

            await Task.WhenAll([.. labels, .. scales]);

            var inspected = await _docker.DockerAsync("service", "inspect", service, "--format", "{{.Spec.Mode.Replicated.Replicas}} {{json .Spec.Labels}}");
            Assert.StartsWith("2 ", inspected);
            Assert.All(Enumerable.Range(0, 4), i => Assert.Contains($"\"concurrent{i}\":\"yes\"", inspected));
            foreach (var target in targets) await target.DisposeAsync();
        }
        finally
        {
            await _docker.RemoveServiceAsync(service);
        }
    }

    /// <summary>The docker CLI does not retry an update that another one made stale: this does, as an operator would.</summary>
    private async Task LabelAsync(string service, string label)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _docker.DockerAsync("service", "update", "--detach", "--label-add", label, service);
                return;
            }
            catch (InvalidOperationException e) when (e.Message.Contains("update out of sequence") && attempt < 20)
            {
            }
        }
    }

    [Fact]
    public async Task WorkersThatCrashAreRolledBack()
    {
        const string service = "swarm-crash";
        await _docker.CreateServiceAsync(service, 0, TimeSpan.FromSeconds(5), new Dictionary<string, string> { ["WORKER_EXIT_AT_ONCE"] = "1" });
        try
        {
            await using var target = Target(service).Open();

            var result = await ScaleAsync(target, 2, Wait with { RollbackOnFailure = true });

            Assert.Equal(ScaleOutcome.RolledBack, result.Outcome);
            Assert.NotEmpty(result.Failures);
            Assert.Contains("exit code 3", result.Failures[0]);
            Assert.Equal(0, (await target.GetScaleAsync(CancellationToken.None)).Desired);
        }
        finally
        {
            await _docker.RemoveServiceAsync(service);
        }
    }

    [Fact]
    public async Task AServiceThatDoesNotExistIsNotFound()
    {
        await using var target = Target("no-such-service").Open();
        var e = await Assert.ThrowsAsync<OpsException>(() => target.GetScaleAsync(CancellationToken.None));
        Assert.Equal(ScalingErrorIds.SwarmServiceNotFound, e.ErrorId);
    }
}
