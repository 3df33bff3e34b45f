using OpsRunbooks.Environments;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets;
using OpsRunbooks.Scaling.Targets.Supervisor;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

/// <summary>The Supervisor driver and WorkerScaler against a real supervisord whose workers take jobs from a real Redis.</summary>
[Collection(SupervisorCollection.Name)]
public sealed class SupervisorScaleTargetTests(SupervisorFixture fixture) : IAsyncLifetime
{
    private static readonly ScaleOptions Waiting = new(Wait: true, Timeout: TimeSpan.FromSeconds(30), SettleWindow: TimeSpan.FromSeconds(1));

    private WorkerScaleTarget Target(string group, int minimum = 0, int maximum = 4, string? url = null) =>
        new(group, minimum, maximum, new SupervisorTargetSettings(url ?? fixture.Supervisor.Url, group, null, null));

    public async Task InitializeAsync()
    {
        // Every test starts from stopped groups and an empty Redis, whatever the one before left.
        foreach (var group in new[] { "worker", "slow", "crashing" })
        {
            await using var target = Target(group).Open();
            await target.ScaleAsync(0, CancellationToken.None);
        }
        await fixture.Redis.FlushAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ScaleResult> ScaleAsync(WorkerScaleTarget definition, int replicas, ScaleOptions options)
    {
        await using var target = definition.Open();
        var plan = await WorkerScaler.PlanAsync(target, replicas, CancellationToken.None);
        return await WorkerScaler.ApplyAsync(plan, options, null, CancellationToken.None);
    }

    private async Task<ScaleState> StateAsync(WorkerScaleTarget definition)
    {
        await using var target = definition.Open();
        return await target.GetScaleAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ScalingUpStartsTheFirstProcessesAndWaitsUntilTheyAreRunning()
    {
        var result = await ScaleAsync(Target("worker"), 3, Waiting);

        Assert.Equal((ScaleOutcome.Converged, 0, 3, 3), (result.Outcome, result.Previous, result.Requested, result.Ready));
        Assert.Null(result.Drained);
        var state = await StateAsync(Target("worker"));
        Assert.Equal((3, 3, 3, 0, 4), (state.Desired, state.Running, state.Ready, state.Stopping, state.Ceiling));
        Assert.Empty(state.Failures);
        var status = await fixture.Supervisor.StatusAsync();
        Assert.Matches(@"worker:worker_02\s+RUNNING", status);
        Assert.Matches(@"worker:worker_03\s+STOPPED", status);
        Assert.Equal("3", await fixture.Redis.CliAsync("GET", "workers:started"));
    }

    [Fact]
    public async Task ScalingDownDuringWorkLetsEveryJobInHandFinishExactlyOnce()
    {
        const int jobs = 60;
        await ScaleAsync(Target("worker"), 4, Waiting);
        await fixture.Redis.PipeAsync(Enumerable.Range(1, jobs).Select(i => new[] { "RPUSH", "queues:jobs", $"{{\"id\":\"job-{i}\"}}" }));
        await Eventually.WaitForAsync(async () => int.Parse(await fixture.Redis.CliAsync("LLEN", "done")) >= 8, "some jobs done", TimeSpan.FromSeconds(20));

        var result = await ScaleAsync(Target("worker"), 1, Waiting);

        Assert.Equal((ScaleOutcome.Converged, 4, 1, 1), (result.Outcome, result.Previous, result.Requested, result.Ready));
        Assert.True(result.Drained);
        Assert.NotNull(result.DrainDuration);
        Assert.Empty(result.Killed);
        await Eventually.WaitForAsync(async () => int.Parse(await fixture.Redis.CliAsync("LLEN", "done")) >= jobs, "every job done", TimeSpan.FromSeconds(60));
        var done = (await fixture.Redis.CliAsync("LRANGE", "done", "0", "-1")).Split('\n');
        Assert.Equal(Enumerable.Range(1, jobs).Select(i => $"job-{i}").Order(), done.Order());
        Assert.Equal("0", await fixture.Redis.CliAsync("LLEN", "queues:jobs"));
        foreach (var worker in new[] { "worker_00", "worker_01", "worker_02", "worker_03" })
            Assert.Equal("0", await fixture.Redis.CliAsync("LLEN", $"processing:{worker}"));
    }

    [Fact]
    public async Task AWorkerStillBusyAfterStopWaitSecsIsKilledAndReported()
    {
        await ScaleAsync(Target("slow"), 1, Waiting);
        await fixture.Redis.CliAsync("RPUSH", "queues:slow", "{\"id\":\"long\"}");
        await Eventually.WaitForAsync(async () => await fixture.Redis.CliAsync("LLEN", "processing:slow_00") == "1", "the slow job taken", TimeSpan.FromSeconds(20));

        var result = await ScaleAsync(Target("slow"), 0, Waiting);

        Assert.Equal(ScaleOutcome.Converged, result.Outcome);
        Assert.True(result.Drained);
        Assert.Equal(["slow_00"], result.Killed);
        Assert.True(result.DrainDuration >= TimeSpan.FromSeconds(1), $"drained in {result.DrainDuration}");
        // The killed worker's job is left in its processing list, where a recovery would find it.
        Assert.Equal("1", await fixture.Redis.CliAsync("LLEN", "processing:slow_00"));
    }

    [Fact]
    public async Task NewWorkersThatExitAtOnceAreRolledBackWithTheReason()
    {
        var result = await ScaleAsync(Target("crashing"), 2, Waiting with { RollbackOnFailure = true });

        Assert.Equal((ScaleOutcome.RolledBack, 0, 2), (result.Outcome, result.Previous, result.Requested));
        Assert.False(result.Converged);
        Assert.NotEmpty(result.Failures);
        Assert.Contains("crashing_0", result.Failures[0]);
        Assert.Contains("failed", result.Reason);
        Assert.Contains("rolled back to 0", result.Reason);
        var state = await StateAsync(Target("crashing"));
        Assert.Equal((0, 0), (state.Desired, state.Running));
    }

    [Fact]
    public async Task WithoutRollbackFailedWorkersAreReportedAndLeftAsRequested()
    {
        var result = await ScaleAsync(Target("crashing"), 1, Waiting);

        Assert.Equal(ScaleOutcome.NotConverged, result.Outcome);
        Assert.Contains("failed", result.Reason);
        Assert.Equal(1, (await StateAsync(Target("crashing"))).Desired);
    }

    [Fact]
    public async Task ACountOutsideTheBoundsIsRefusedBeforeAnythingChanges()
    {
        var low = await Assert.ThrowsAsync<OpsException>(() => ScaleAsync(Target("worker", minimum: 1, maximum: 2), 3, Waiting));
        Assert.Equal(ScalingErrorIds.ScaleOutOfBounds, low.ErrorId);
        Assert.Contains("1 to 2", low.Message);
        var zero = await Assert.ThrowsAsync<OpsException>(() => ScaleAsync(Target("worker", minimum: 1, maximum: 2), 0, Waiting));
        Assert.Equal(ScalingErrorIds.ScaleOutOfBounds, zero.ErrorId);
        var ceiling = await Assert.ThrowsAsync<OpsException>(() => ScaleAsync(Target("worker", maximum: 10), 5, Waiting));
        Assert.Equal(ScalingErrorIds.ScaleAboveCeiling, ceiling.ErrorId);
        Assert.Equal(0, (await StateAsync(Target("worker"))).Desired);
    }

    [Fact]
    public async Task TheUnixSocketServesTheSameInterface()
    {
        var result = await ScaleAsync(Target("worker", url: "unix://" + fixture.Supervisor.SocketPath), 2, Waiting);

        Assert.Equal(ScaleOutcome.Converged, result.Outcome);
        Assert.Equal(2, (await StateAsync(Target("worker"))).Ready);
    }

    [Fact]
    public async Task WithoutWaitTheRequestIsReportedAsRequested()
    {
        var result = await ScaleAsync(Target("worker"), 2, new ScaleOptions());

        Assert.Equal(ScaleOutcome.Requested, result.Outcome);
        await Eventually.WaitForAsync(async () => (await StateAsync(Target("worker"))).Ready == 2, "two workers running", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AnUnknownGroupAndAnUnreachableServerAreNamedErrors()
    {
        var group = await Assert.ThrowsAsync<OpsException>(() => StateAsync(Target("nosuchgroup")));
        Assert.Equal(ScalingErrorIds.ScaleTargetNotFound, group.ErrorId);
        Assert.Contains("worker", group.Message);

        var unreachable = await Assert.ThrowsAsync<OpsException>(() => StateAsync(Target("worker", url: $"http://127.0.0.1:{FreePort()}/RPC2")));
        Assert.Equal(ScalingErrorIds.ScaleTargetUnreachable, unreachable.ErrorId);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
