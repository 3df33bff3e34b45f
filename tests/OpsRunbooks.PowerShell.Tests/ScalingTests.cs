using System.Management.Automation;
using System.Text.RegularExpressions;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

[CollectionDefinition(Name)]
public sealed class SupervisorCollection : ICollectionFixture<SupervisorFixture>
{
    public const string Name = "supervisor";
}

/// <summary>
/// The scaling cmdlets and runbooks in the engine, against a real supervisord whose workers take jobs from a real
/// Redis: an environment file names the Supervisor groups as targets and the Redis and queue they serve.
/// </summary>
[Collection(SupervisorCollection.Name)]
public sealed partial class ScalingTests(SupervisorFixture fixture) : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-scaling-").FullName;
    private readonly EngineSession _session = new();

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_directory, "scaling.psd1"), $$"""
            @{
                Name = 'scaling'
                DatabaseServers = @{}
                Databases = @()
                Scaling = @{
                    Targets = @{
                        workers  = @{ Driver = 'Supervisor'; Url = '{{fixture.Supervisor.Url}}'; Group = 'worker'; Minimum = 1; Maximum = 4 }
                        crashing = @{ Driver = 'Supervisor'; Url = 'unix://{{fixture.Supervisor.SocketPath}}'; Group = 'crashing'; Minimum = 0; Maximum = 2 }
                    }
                    Redis = @{ Server = '{{fixture.Redis.Endpoint}}' }
                    Queues = @{ Names = @('jobs'); Layout = 'Horizon' }
                }
            }
            """);
        _session.Invoke("$environment = Get-OpsEnvironment scaling -Path $args[0]", _directory).EnsureSuccess();
        // Every test starts from the minimum and an empty Redis, whatever the one before left.
        _session.Invoke("Set-WorkerScale -Environment $environment -Name workers -Replicas 1 -Wait; Set-WorkerScale -Environment $environment -Name crashing -Replicas 0").EnsureSuccess();
        await fixture.Redis.FlushAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private int Desired(string target) =>
        (int)_session.Invoke("(Get-WorkerScale -Environment $environment -Name $args[0]).Desired", target).EnsureSuccess().Output.Single().BaseObject;

    [Fact]
    public async Task TheScalingRunbookRaisesWorkersDrainsTheQueueAndScalesBackAfterTheStabilisationWindow()
    {
        const int jobs = 300;
        await fixture.Redis.PipeAsync(Enumerable.Range(1, jobs).Select(i => new[] { "RPUSH", "queues:jobs", $"{{\"id\":\"job-{i}\"}}" }));
        var runbook = RepositoryPaths.Combine("runbooks", "scaling", "Invoke-QueueWorkerScaling.ps1");
        var parameters = new System.Collections.Hashtable
        {
            ["Environment"] = "scaling", ["EnvironmentPath"] = _directory, ["Target"] = "workers",
            ["TargetWaitMinutes"] = 1, ["JobsPerWorkerPerMinute"] = 10, ["ScaleDownStabilization"] = TimeSpan.FromSeconds(25),
            ["DrainCheck"] = TimeSpan.FromSeconds(1), ["StateDirectory"] = Path.Combine(_directory, "state"),
        };

        var whatIf = _session.InvokeFile(runbook, new System.Collections.Hashtable(parameters) { ["WhatIf"] = true }).EnsureSuccess();
        Assert.Equal(1, Desired("workers"));
        Assert.Equal(4, (int)whatIf.Output.Single().Properties["Desired"].Value);

        var sinceUp = System.Diagnostics.Stopwatch.StartNew();
        var up = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.Equal(("Converged", 1, 4, true), (up.Properties["Outcome"].Value.ToString(), (int)up.Properties["Current"].Value,
            (int)up.Properties["Ready"].Value, (bool)up.Properties["Draining"].Value));
        Assert.Equal(4, Desired("workers"));
        await Eventually.WaitForAsync(async () => await fixture.Redis.CliAsync("LLEN", "done") == $"{jobs}", "every job done", TimeSpan.FromSeconds(60));

        // The queue is empty, but the window still holds the run that wanted 4: no change yet.
        var held = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.Equal(("Unchanged", 4), (held.Properties["Outcome"].Value.ToString(), Desired("workers")));
        // The window counts from the run's decision, which comes a few seconds after the run starts.
        var windowLeft = TimeSpan.FromSeconds(29) - sinceUp.Elapsed;
        if (windowLeft > TimeSpan.Zero)
            await Task.Delay(windowLeft);
        var down = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.Equal(("Converged", 4, 1), (down.Properties["Outcome"].Value.ToString(), (int)down.Properties["Current"].Value, Desired("workers")));

        var done = (await fixture.Redis.CliAsync("LRANGE", "done", "0", "-1")).Split('\n');
        Assert.Equal(Enumerable.Range(1, jobs).Select(i => $"job-{i}").Order(), done.Order());
        foreach (var id in new[] { "job-1", "job-150", "job-300" })
            Assert.Equal("1", await fixture.Redis.CliAsync("GET", $"done:{id}"));
    }

    [Fact]
    public void SetWorkerScaleRefusesCountsOutsideTheBoundsAndWhatIfChangesNothing()
    {
        var refused = _session.Invoke("Set-WorkerScale -Environment $environment -Name workers -Replicas 9 -Wait");
        Assert.Empty(refused.Output);
        var error = refused.SingleError();
        Assert.StartsWith("ScaleOutOfBounds,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("1 to 4", error.Exception.Message);

        var whatIf = _session.Invoke("Set-WorkerScale -Environment $environment -Name workers -Replicas 3 -WhatIf").EnsureSuccess();
        Assert.Empty(whatIf.Output);
        Assert.Equal(1, Desired("workers"));
    }

    [Fact]
    public void ARecommendationPipesIntoSetWorkerScaleByTargetAndDesired()
    {
        var result = _session.Invoke("""
            $target = New-WorkerScaleTarget -Environment $environment -Name workers
            [pscustomobject]@{ Target = $target; Desired = 3 } | Set-WorkerScale -Wait
            """).EnsureSuccess().Output.Single();

        Assert.Equal(("Converged", 1, 3, 3), (result.Properties["Outcome"].Value.ToString(), (int)result.Properties["Previous"].Value,
            (int)result.Properties["Requested"].Value, (int)result.Properties["Ready"].Value));
        var scale = _session.Invoke("Get-WorkerScale -Environment $environment -Name workers").EnsureSuccess().Output.Single();
        Assert.Equal((3, 3, 1, 4), ((int)scale.Properties["Desired"].Value, (int)scale.Properties["Ready"].Value,
            (int)scale.Properties["Minimum"].Value, (int)scale.Properties["Maximum"].Value));
    }

    [Fact]
    [Trait("Category", "Fault")]
    public void WorkersThatExitAtOnceAreRolledBackAndTheResultSaysWhy()
    {
        var run = _session.Invoke("Set-WorkerScale -Environment $environment -Name crashing -Replicas 2 -RollbackOnFailure -Timeout 00:00:30");

        var result = run.Output.Single();
        Assert.Equal("RolledBack", result.Properties["Outcome"].Value.ToString());
        Assert.Contains("rolled back to 0", (string)result.Properties["Reason"].Value);
        Assert.StartsWith("ScaleRolledBack,", run.SingleError().FullyQualifiedErrorId);
        Assert.Equal(0, Desired("crashing"));
    }

    [Fact]
    public void TheViewsFit80ColumnsAndKeepTheColumnThatExplains()
    {
        var objects = new[]
        {
            ("New-WorkerScaleTarget -Environment $environment", "unix://" + fixture.Supervisor.SocketPath),
            ("Get-WorkerScale -Environment $environment", "workers"),
            ("Set-WorkerScale -Environment $environment -Name crashing -Replicas 1 -RollbackOnFailure -Timeout 00:00:30 -ErrorAction SilentlyContinue", "rolled back to 0 worker(s)"),
        };
        foreach (var (script, explaining) in objects)
        {
            var text = (string)_session.Invoke($"{script} | Out-String -Width 80").Output.Single().BaseObject;
            Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, $"wider than 80 columns:\n{text}"));
            Assert.Contains(Spaces().Replace(explaining, ""), Spaces().Replace(text, ""));
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
