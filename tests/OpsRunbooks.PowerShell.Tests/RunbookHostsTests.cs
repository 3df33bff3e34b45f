using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A runbook ends with the same exit code whether a scheduled task runs it with pwsh -File (the PowerShell
/// tool that ./build.sh test installs into .tools/pwsh, with out/ on PSModulePath) or with opsrunbook.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class RunbookHostsTests(ServicesFixture services)
{
    private static string Pwsh => RepositoryPaths.Combine(".tools", "pwsh", "pwsh");

    [Fact]
    public async Task TheMorningCheckFailsWhenCriticalAndPassesWhenHealthyUnderPwshAndTheRunnerAlike()
    {
        Assert.True(File.Exists(Pwsh), $"pwsh is not installed at {Pwsh}; ./build.sh test installs it.");
        using var store = TestStores.Create(TestStores.Local, services);
        using var environment = new TestEnvironment(services, storeEntry: store.EnvironmentEntry);

        var critical = await RunBothAsync(environment, "verification/Test-MorningBackupStatus.ps1");
        Assert.True(critical.Pwsh.ExitCode == 1, critical.Pwsh.Error + critical.Pwsh.Output);
        Assert.Equal(critical.Pwsh.ExitCode, critical.Runner.ExitCode);
        // pwsh shows the message of the error; the runner adds its id.
        Assert.Contains("Critical: no backup", critical.Pwsh.Error);
        Assert.Contains("Critical: no backup", critical.Runner.Error);

        var backup = await RunBothAsync(environment, "backup/Invoke-NightlyBackup.ps1");
        Assert.True(backup.Pwsh.ExitCode == 0, backup.Pwsh.Error);
        Assert.Equal(backup.Pwsh.ExitCode, backup.Runner.ExitCode);
        Assert.Equal(2, store.ObjectNames().Count(name => name.EndsWith(".manifest.json", StringComparison.Ordinal)));

        var healthy = await RunBothAsync(environment, "verification/Test-MorningBackupStatus.ps1");
        Assert.True(healthy.Pwsh.ExitCode == 0, healthy.Pwsh.Error);
        Assert.Equal(healthy.Pwsh.ExitCode, healthy.Runner.ExitCode);
    }

    private async Task<(ProcessResult Pwsh, ProcessResult Runner)> RunBothAsync(TestEnvironment environment, string runbook)
    {
        var script = RepositoryPaths.Combine("runbooks", runbook);
        string[] parameters = ["-Environment", environment.Name, "-EnvironmentPath", environment.Directory];
        var variables = new Dictionary<string, string>
        {
            [environment.PasswordVariable] = services.Postgres.Password,
            // Where a server with the package installed would have it; #Requires -Modules OpsRunbooks loads it from there.
            ["PSModulePath"] = RepositoryPaths.Combine("out"),
        };
        var pwsh = await ProcessRunner.RunAsync(Pwsh, ["-NoProfile", "-NonInteractive", "-File", script, .. parameters], variables);
        var runner = await ProcessRunner.RunAsync("dotnet", [RunnerTests.Runner, "run", script, .. parameters], variables);
        return (pwsh, runner);
    }
}
