using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests.Faults;

/// <summary>
/// What scheduled tasks rely on: two runs of one runbook for one environment never overlap (the second
/// exits 75 or waits with --wait-lock), a killed run leaves no lock behind, and --timeout stops a long
/// backup after its cleanup with exit code 124.
/// </summary>
[Collection(ServicesCollection.Name)]
[Trait("Category", "Fault")]
public sealed partial class RunnerLockAndTimeoutFaultTests(ServicesFixture services) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-runner-lock-").FullName;

    private string StateDirectory => Path.Combine(_directory, "state");
    private string Release => Path.Combine(_directory, "release");
    private string Trace => Path.Combine(_directory, "trace");
    private string Journal => Path.Combine(_directory, "operations.jsonl");

    /// <summary>The runs' entries in the operations log, in the order written.</summary>
    private List<System.Text.Json.JsonElement> RunEntries() =>
        [.. File.ReadAllLines(Journal).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("operation").GetString() == "RunbookRun")];

    /// <summary>A runbook that says when it starts and ends, and holds on until the test releases it.</summary>
    private string HoldingScript()
    {
        var script = Path.Combine(_directory, "hold.ps1");
        File.WriteAllText(script, $$"""
            param([string] $Environment)
            Add-Content -LiteralPath '{{Trace}}' -Value "start $env:OPSRUNBOOKS_RUN_ID"
            while (-not (Test-Path -LiteralPath '{{Release}}')) { Start-Sleep -Milliseconds 100 }
            Add-Content -LiteralPath '{{Trace}}' -Value "end $env:OPSRUNBOOKS_RUN_ID"
            "ran as $env:OPSRUNBOOKS_RUN_ID"
            """);
        return script;
    }

    private Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RunnerTests.Runner);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["OPSRUNBOOKS_STATE_DIR"] = StateDirectory;
        start.Environment["OPSRUNBOOKS_JOURNAL_PATH"] = Journal;
        return Process.Start(start)!;
    }

    private static async Task<ProcessResult> EndOf(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new ProcessResult(process.ExitCode, await output, await error);
    }

    private async Task UntilTraced(string line, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!File.Exists(Trace) || File.ReadAllLines(Trace).Count(l => l.StartsWith(line, StringComparison.Ordinal)) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the runbook did not write '{line}' in time");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task OfTwoRunsStartedAtOnceOneRunsAndTheOtherExitsWithTheLockedCode()
    {
        var script = HoldingScript();
        using var first = Start("run", script, "-Environment", "production");
        using var second = Start("run", script, "-Environment", "production");
        var ending = new[] { EndOf(first), EndOf(second) };

        var locked = await Task.WhenAny(ending);
        await UntilTraced("start");
        File.WriteAllText(Release, "");
        var results = await Task.WhenAll(ending);

        var refused = Assert.Single(results, r => r.ExitCode == 75);
        var ran = Assert.Single(results, r => r.ExitCode == 0);
        Assert.Same(refused, await locked);
        Assert.Contains("is running already", refused.Error);
        Assert.Contains("Locked (exit code 75)", refused.Error);
        Assert.Contains("Succeeded (exit code 0)", ran.Error);
        Assert.Single(File.ReadAllLines(Trace), l => l.StartsWith("start", StringComparison.Ordinal));
        // Both runs are in the log: the refused one as a failure a notification fires on.
        var entries = RunEntries();
        Assert.Equal(2, entries.Count);
        var lockedEntry = Assert.Single(entries, e => e.GetProperty("outcome").GetString() == "Failed");
        Assert.Equal("RunbookLocked", lockedEntry.GetProperty("errorId").GetString());
        var ranEntry = Assert.Single(entries, e => e.GetProperty("outcome").GetString() == "Succeeded");
        Assert.Equal(1, ranEntry.GetProperty("figures").GetProperty("Objects").GetInt32());
        Assert.Contains("ran as " + ranEntry.GetProperty("runId").GetString(), ran.Output);
    }

    [Fact]
    public async Task WithWaitLockTheSecondRunWaitsForTheFirstAndRunsAfterIt()
    {
        var script = HoldingScript();
        using var first = Start("run", "--wait-lock", "5m", script, "-Environment", "production");
        using var second = Start("run", "--wait-lock", "5m", script, "-Environment", "production");
        var ending = new[] { EndOf(first), EndOf(second) };

        await UntilTraced("start");
        // The other is waiting: it may not start while the first holds the lock.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(File.ReadAllLines(Trace));
        File.WriteAllText(Release, "");
        var results = await Task.WhenAll(ending);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Error));
        Assert.Contains(results, r => r.Error.Contains("waiting up to 00:05:00", StringComparison.Ordinal));
        var trace = File.ReadAllLines(Trace);
        Assert.Equal(["start", "end", "start", "end"], trace.Select(l => l.Split(' ')[0]));
        // Each run has an id of its own, in its environment, its output and its summary.
        Assert.Equal(trace[0][6..], trace[1][4..]);
        Assert.NotEqual(trace[0][6..], trace[2][6..]);
        foreach (var result in results)
        {
            var id = RanAs().Match(result.Output).Groups[1].Value;
            Assert.Contains($"opsrunbook: run {id}: ", result.Error);
        }
    }

    [Fact]
    public async Task OtherEnvironmentsAndAKilledRunHoldNoLock()
    {
        var script = HoldingScript();
        using var killed = Start("run", script, "-Environment", "production");
        await UntilTraced("start");
        using var other = Start("run", script, "-Environment", "staging");
        await UntilTraced("start", count: 2);
        Assert.Equal(0, Kill(killed.Id, 9));
        await killed.WaitForExitAsync();

        File.WriteAllText(Release, "");
        var after = await EndOf(Start("run", script, "-Environment", "production"));
        Assert.True(after.ExitCode == 0, after.Error);
        Assert.Equal(0, (await EndOf(other)).ExitCode);
    }

    [Fact]
    public async Task TimeoutStopsALongBackupAfterItsCleanupAndExitsWithItsOwnCode()
    {
        using var store = TestStores.Create(TestStores.Local, services);
        using var environment = new TestEnvironment(services, storeEntry: store.EnvironmentEntry);
        using var pgDump = new PausedPgClient(pauseSeconds: 300);
        var script = Path.Combine(environment.Directory, "backup.ps1");
        File.WriteAllText(script, """
            param([string] $Environment, [string] $EnvironmentPath, [string] $PgDump)
            Invoke-DatabaseBackup -Environment (Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath) -PgDumpPath $PgDump
            """);

        using var runner = Start("run", "--timeout", "40s", script, "-Environment", environment.Name, "-EnvironmentPath", environment.Directory, "-PgDump", pgDump.PathName);
        var ending = EndOf(runner);
        // The backup must be mid-stream when the timeout comes: pg_dump pausing with its .partial file begun.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!pgDump.IsPausing && !runner.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.True(pgDump.IsPausing, "pg_dump did not pause before the timeout: " + (runner.HasExited ? (await ending).Error : "(still running)"));
        var paused = pgDump.RunningProcesses().ToList();
        Assert.Contains(store.ObjectNames(), name => name.EndsWith(".partial", StringComparison.Ordinal));

        var result = await ending;
        Assert.True(result.ExitCode == 124, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("stopped by --timeout 00:00:40", result.Error);
        Assert.Contains("TimedOut (exit code 124)", result.Error);
        Assert.Empty(pgDump.RunningProcesses());
        Assert.All(paused, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"pg_dump {pid} is still in the process table"));
        Assert.Empty(store.ObjectNames());
        Assert.DoesNotContain(services.Postgres.Password, result.Output + result.Error);
        var entries = File.ReadAllLines(Journal);
        Assert.Contains(entries, l => l.Contains("\"operation\":\"DatabaseBackup\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"Cancelled\"", StringComparison.Ordinal));
        var run = Assert.Single(RunEntries());
        Assert.Equal("Cancelled", run.GetProperty("outcome").GetString());
        Assert.Equal("TimedOut", run.GetProperty("figures").GetProperty("RunOutcome").GetString());
        Assert.DoesNotContain(services.Postgres.Password, string.Join("\n", entries));
    }

    [GeneratedRegex(@"ran as (\S+)")]
    private static partial Regex RanAs();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
