using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// The scaling runbook as a scheduled task runs it, against a real Docker Swarm service whose tasks take jobs from a
/// real Redis: the environment file names the service as its target.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class SwarmScalingTests(DockerFixture fixture) : IAsyncLifetime, IDisposable
{
    private const string Service = "engine-queue-workers";
    private const string Queue = "engine-jobs";

    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-swarm-scaling-").FullName;
    private readonly EngineSession _session = new();

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_directory, "swarm.psd1"), $$"""
            @{
                Name = 'swarm'
                DatabaseServers = @{}
                Databases = @()
                Scaling = @{
                    Targets = @{
                        workers = @{ Driver = 'Swarm'; Service = '{{Service}}'; Endpoint = '{{fixture.Docker.Endpoint}}'; Minimum = 1; Maximum = 4 }
                    }
                    Redis = @{ Server = '{{fixture.Redis.Endpoint}}' }
                    Queues = @{ Names = @('{{Queue}}'); Layout = 'Horizon' }
                }
            }
            """);
        await fixture.Docker.CreateServiceAsync(Service, 1, TimeSpan.FromSeconds(10), new Dictionary<string, string>
        {
            ["WORKER_REDIS"] = fixture.Redis.Endpoint,
            ["WORKER_QUEUE"] = Queue,
            ["WORKER_JOB_MS"] = "100",
        });
    }

    public Task DisposeAsync() => fixture.Docker.RemoveServiceAsync(Service);

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private int Desired() => (int)_session.Invoke("(Get-WorkerScale -Environment (Get-OpsEnvironment swarm -Path $args[0]) -Name workers).Desired", _directory)
        .EnsureSuccess().Output.Single().BaseObject;

    [Fact]
    public async Task TheScalingRunbookRaisesTasksDrainsTheQueueAndScalesBackAfterTheStabilisationWindow()
    {
        const int jobs = 300;
        var window = TimeSpan.FromSeconds(25);
        await fixture.Redis.PipeAsync(Enumerable.Range(1, jobs).Select(i => new[] { "RPUSH", $"queues:{Queue}", $"{{\"id\":\"{Queue}-{i}\"}}" }));
        var runbook = RepositoryPaths.Combine("runbooks", "scaling", "Invoke-QueueWorkerScaling.ps1");
        var parameters = new System.Collections.Hashtable
        {
            ["Environment"] = "swarm", ["EnvironmentPath"] = _directory, ["Target"] = "workers",
            ["TargetWaitMinutes"] = 1, ["JobsPerWorkerPerMinute"] = 10, ["ScaleDownStabilization"] = window,
            ["DrainCheck"] = TimeSpan.FromSeconds(1), ["StateDirectory"] = Path.Combine(_directory, "state"),
        };

        var whatIf = _session.InvokeFile(runbook, new System.Collections.Hashtable(parameters) { ["WhatIf"] = true }).EnsureSuccess();
        Assert.Equal(4, (int)whatIf.Output.Single().Properties["Desired"].Value);
        Assert.Equal(1, Desired());

        var beforeUp = DateTimeOffset.UtcNow;
        var up = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.Equal(("Converged", 1, 4, true), (up.Properties["Outcome"].Value.ToString(), (int)up.Properties["Current"].Value,
            (int)up.Properties["Ready"].Value, (bool)up.Properties["Draining"].Value));
        Assert.Equal(4, Desired());
        await Eventually.WaitForAsync(async () => (await DoneAsync()).Length == jobs, "every job done", TimeSpan.FromSeconds(60));

        // The queue is empty, but the window still holds the run that wanted 4.
        var held = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.True(DateTimeOffset.UtcNow < beforeUp + window, "the queue took the whole window to drain; the hold was not observed");
        Assert.Equal(("Unchanged", 4), (held.Properties["Outcome"].Value.ToString(), Desired()));

        // The scale-up run decided a moment after it started; a few seconds more than the window covers that.
        var windowLeft = beforeUp + window + TimeSpan.FromSeconds(4) - DateTimeOffset.UtcNow;
        if (windowLeft > TimeSpan.Zero)
            await Task.Delay(windowLeft);
        var down = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.Equal(("Converged", 4, 1), (down.Properties["Outcome"].Value.ToString(), (int)down.Properties["Current"].Value, Desired()));

        // Draining let each task finish the job in hand: every job done, and none twice.
        Assert.Equal(Enumerable.Range(1, jobs).Select(i => $"{Queue}-{i}").Order(), (await DoneAsync()).Order());
        foreach (var id in new[] { 1, jobs / 2, jobs })
            Assert.Equal("1", await fixture.Redis.CliAsync("GET", $"done:{Queue}-{id}"));
    }

    private async Task<string[]> DoneAsync() =>
        [.. (await fixture.Redis.CliAsync("LRANGE", "done", "0", "-1")).Split('\n').Where(id => id.StartsWith(Queue + "-", StringComparison.Ordinal))];
}
