using System.Diagnostics;
using System.Runtime.InteropServices;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests.Faults;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM (systemd, timeout, Kubernetes) sent to opsrunbook in the middle of a backup:
/// the run stops after its cleanup and says so, with a distinct exit code, and leaves nothing behind.
/// </summary>
[Collection(ServicesCollection.Name)]
[Trait("Category", "Fault")]
public sealed class RunnerSignalFaultTests(ServicesFixture services)
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    [Theory]
    [InlineData(TestStores.Local, SigInt, 130)]
    [InlineData(TestStores.Local, SigTerm, 143)]
    [InlineData(TestStores.S3, SigInt, 130)]
    [InlineData(TestStores.S3, SigTerm, 143)]
    public async Task ASignalMidBackupStopsTheRunAfterItsCleanupAndExitsWithItsOwnCode(string kind, int signal, int expectedExitCode)
    {
        using var store = TestStores.Create(kind, services);
        using var environment = new TestEnvironment(services, storeEntry: store.EnvironmentEntry);
        using var pgDump = new PausedPgClient(pauseSeconds: 300);
        var script = Path.Combine(environment.Directory, "backup.ps1");
        File.WriteAllText(script, """
            param([string] $Environment, [string] $EnvironmentPath, [string] $PgDump)
            Invoke-DatabaseBackup -Environment (Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath) -PgDumpPath $PgDump
            """);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { RunnerTests.Runner, "run", script, "-Environment", environment.Name, "-EnvironmentPath", environment.Directory, "-PgDump", pgDump.PathName })
            start.ArgumentList.Add(argument);
        start.Environment[environment.PasswordVariable] = services.Postgres.Password;
        using var runner = Process.Start(start)!;
        var output = runner.StandardOutput.ReadToEndAsync();
        var error = runner.StandardError.ReadToEndAsync();

        // pg_dump has written the whole archive and holds its output open: the backup is mid-stream, its
        // .partial file (local) or multipart upload (S3) begun.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!pgDump.IsPausing)
        {
            Assert.True(DateTime.UtcNow < deadline && !runner.HasExited, "pg_dump did not pause: " + await ErrorSoFar(runner, error));
            await Task.Delay(100);
        }
        var paused = pgDump.RunningProcesses().ToList();
        if (kind == TestStores.Local)
            Assert.Contains(store.ObjectNames(), name => name.EndsWith(".partial", StringComparison.Ordinal));
        else
            Assert.NotEmpty(UploadsUnder(((S3TestStore)store).Prefix + "/"));
        Assert.Equal(0, Kill(runner.Id, signal));

        await runner.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var stderr = await error;
        Assert.True(runner.ExitCode == expectedExitCode, $"exit {runner.ExitCode}: {stderr}{await output}");
        Assert.Contains($"interrupted by {(signal == SigInt ? "SIGINT" : "SIGTERM")}", stderr);
        // Killed and reaped: not running, and no zombie left under any parent.
        Assert.Empty(pgDump.RunningProcesses());
        Assert.All(paused, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"pg_dump {pid} is still in the process table"));
        Assert.DoesNotContain(store.ObjectNames(), name => name.EndsWith(".partial", StringComparison.Ordinal) || name.EndsWith(".manifest.json", StringComparison.Ordinal));
        Assert.Empty(store.ObjectNames());
        if (kind == TestStores.S3 && UploadsUnder(((S3TestStore)store).Prefix + "/").Count > 0)
        {
            // s3rver does not implement AbortMultipartUpload: the upload that stays must be reported.
            Assert.Contains("WARNING: Could not abort the multipart upload", stderr);
        }
    }

    /// <summary>The keys of the multipart uploads s3rver still holds under a prefix (its uploads folder keeps each key in a file).</summary>
    private List<string> UploadsUnder(string prefix)
    {
        var uploads = Path.Combine(services.S3.ObjectDirectory, "._S3rver_uploads");
        return !Directory.Exists(uploads) ? []
            : [.. Directory.EnumerateDirectories(uploads).Select(d => File.ReadAllText(Path.Combine(d, "key"))).Where(key => key.StartsWith(prefix, StringComparison.Ordinal))];
    }

    private static async Task<string> ErrorSoFar(Process runner, Task<string> error) =>
        runner.HasExited ? await error : "(still running)";

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
