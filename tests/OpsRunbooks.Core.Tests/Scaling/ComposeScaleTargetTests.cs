using OpsRunbooks.Remote.Ssh;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets;
using OpsRunbooks.Scaling.Targets.Compose;
using OpsRunbooks.Scaling.Targets.SshCommand;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

/// <summary>The targets driven by shell commands, through the real sshd against the real dockerd.</summary>
[Collection(DockerCollection.Name)]
public sealed class ComposeScaleTargetTests : IDisposable
{
    private static readonly ScaleOptions Wait = new(Wait: true, Timeout: TimeSpan.FromSeconds(90), SettleWindow: TimeSpan.FromSeconds(1));

    private readonly DockerFixture _fixture;
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-compose-").FullName;
    private readonly SshHostSettings _host;

    public ComposeScaleTargetTests(DockerFixture fixture)
    {
        _fixture = fixture;
        var knownHosts = Path.Combine(_directory, "known_hosts");
        File.WriteAllText(knownHosts, fixture.Ssh.KnownHostsLine + "\n");
        _host = new SshHostSettings(fixture.Ssh.Host, fixture.Ssh.Port, fixture.Ssh.User, fixture.Ssh.KeyFile, null, knownHosts);
    }

    private static async Task<ScaleResult> ScaleAsync(IScaleTarget target, int replicas, ScaleOptions options) =>
        await WorkerScaler.ApplyAsync(await WorkerScaler.PlanAsync(target, replicas, CancellationToken.None), options, null, CancellationToken.None);

    [Fact]
    public async Task AComposeServiceIsScaledUpAndDownOverSsh()
    {
        var composeFile = Path.Combine(_directory, "compose.yml");
        File.WriteAllText(composeFile, $"""
            version: "2.4"
            services:
              worker:
                image: {_fixture.Docker.WorkerImage}
                network_mode: host
                stop_grace_period: 10s
                environment:
                  WORKER_REDIS: "{_fixture.Redis.Endpoint}"
                  WORKER_QUEUE: compose-test
            """);
        var settings = new ComposeTargetSettings(_host, composeFile, "opsrunbookscompose", "worker", _fixture.Docker.Endpoint);
        await using var target = new WorkerScaleTarget("compose-worker", 0, 4, settings).Open();
        try
        {
            var up = await ScaleAsync(target, 2, Wait);
            Assert.Equal(ScaleOutcome.Converged, up.Outcome);
            Assert.Equal(2, up.Ready);

            var down = await ScaleAsync(target, 1, Wait);
            Assert.Equal(ScaleOutcome.Converged, down.Outcome);
            Assert.True(down.Drained);
            Assert.NotNull(down.DrainDuration);
            Assert.Equal(1, (await target.GetScaleAsync(CancellationToken.None)).Running);
        }
        finally
        {
            await _fixture.Docker.DockerAsync("rm", "--force", "opsrunbookscompose_worker_1", "opsrunbookscompose_worker_2");
        }
    }

    [Fact]
    public async Task CommandTargetsCountAndScaleWithTheirOwnCommands()
    {
        var countFile = Path.Combine(_directory, "count");
        File.WriteAllText(countFile, "1\n");
        var settings = new SshCommandTargetSettings(_host, $"cat {countFile}", $"echo {{replicas}} > {countFile}");
        await using var target = new WorkerScaleTarget("command-worker", 1, 5, settings).Open();

        Assert.Equal(1, (await target.GetScaleAsync(CancellationToken.None)).Desired);
        var result = await ScaleAsync(target, 4, Wait);

        Assert.Equal(ScaleOutcome.Converged, result.Outcome);
        Assert.Equal("4", File.ReadAllText(countFile).Trim());
    }

    [Fact]
    public async Task ACountCommandThatFailsOrPrintsNoNumberIsAnError()
    {
        var failing = new WorkerScaleTarget("failing", 0, 5, new SshCommandTargetSettings(_host, "echo nope >&2; exit 2", "true {replicas}")).Open();
        var wordy = new WorkerScaleTarget("wordy", 0, 5, new SshCommandTargetSettings(_host, "echo three", "true {replicas}")).Open();
        await using (failing)
        await using (wordy)
        {
            var failed = await Assert.ThrowsAsync<OpsException>(() => failing.GetScaleAsync(CancellationToken.None));
            Assert.Equal(ScalingErrorIds.ScaleCommandFailed, failed.ErrorId);
            Assert.Contains("nope", failed.Message);
            var unreadable = await Assert.ThrowsAsync<OpsException>(() => wordy.GetScaleAsync(CancellationToken.None));
            Assert.Equal(ScalingErrorIds.ScaleCountUnreadable, unreadable.ErrorId);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
