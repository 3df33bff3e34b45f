using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A scale target driven over SSH, as an operator defines and uses it. The Swarm and Compose drivers are tested in
/// OpsRunbooks.Core.Tests, and the scaling runbook against a Swarm service in <see cref="SwarmScalingTests"/>.
/// </summary>
public sealed class ScaleTargetOverSshTests : IClassFixture<SshServiceFixture>, IDisposable
{
    private readonly SshService _ssh;
    private readonly EngineSession _engine = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-sshtarget-").FullName;

    public ScaleTargetOverSshTests(SshServiceFixture fixture)
    {
        _ssh = fixture.Ssh;
        File.WriteAllText(Path.Combine(_directory, "known_hosts"), _ssh.KnownHostsLine + "\n");
        File.WriteAllText(Path.Combine(_directory, "count"), "2\n");
    }

    [Fact]
    public void SetWorkerScaleRunsTheTargetsScaleCommandAndWaitsForItsCount()
    {
        var result = _engine.Invoke("""
            param($directory, $port, $user, $key)
            $target = New-WorkerScaleTarget -Name reports -Definition @{
                Driver = 'SshCommand'; ComputerName = '127.0.0.1'; Port = $port; User = $user; KeyFile = $key
                KnownHostsPath = "$directory/known_hosts"; CountCommand = "cat $directory/count"
                ScaleCommand = "echo {replicas} > $directory/count"; Minimum = 1; Maximum = 5
            }
            $target | Set-WorkerScale -Replicas 4 -Wait -Confirm:$false
            """, _directory, _ssh.Port, _ssh.User, _ssh.KeyFile).EnsureSuccess();

        var scale = result.Output.Single();
        Assert.Equal("Converged", scale.Properties["Outcome"].Value.ToString());
        Assert.Equal(2, scale.Properties["Previous"].Value);
        Assert.Equal("4", File.ReadAllText(Path.Combine(_directory, "count")).Trim());
    }

    public void Dispose()
    {
        _engine.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
