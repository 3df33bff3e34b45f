using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

public sealed class RemoteCommandTests : IClassFixture<SshServiceFixture>, IDisposable
{
    private readonly SshService _ssh;
    private readonly EngineSession _engine = new();
    private readonly string _knownHosts = Path.Combine(Directory.CreateTempSubdirectory("opsrunbooks-remote-").FullName, "known_hosts");

    public RemoteCommandTests(SshServiceFixture fixture) => _ssh = fixture.Ssh;

    private EngineResult Invoke(string command, string extra = "") => _engine.Invoke(
        $"Invoke-RemoteCommand -ComputerName $args[0] -Port $args[1] -User $args[2] -KeyFile $args[3] -KnownHostsPath $args[4] -Command $args[5] -Timeout 00:00:20 {extra}",
        _ssh.Host, _ssh.Port, _ssh.User, _ssh.KeyFile, _knownHosts, command);

    [Fact]
    public void ANewHostTrustedOnceReturnsTheCommandsResult()
    {
        var result = Invoke("echo hello; echo warn >&2; exit 4", "-TrustNewHostKey").EnsureSuccess().Output.Single();

        Assert.Equal(_ssh.Host, result.Properties["ComputerName"].Value);
        Assert.Equal(4, result.Properties["ExitCode"].Value);
        Assert.Equal("hello\n", result.Properties["StandardOutput"].Value);
        Assert.Equal("warn\n", result.Properties["StandardError"].Value);
        Assert.Equal(_ssh.KnownHostsLine, File.ReadAllText(_knownHosts).Trim());
        Assert.Equal(0, Invoke("true").EnsureSuccess().Output.Single().Properties["ExitCode"].Value);
    }

    [Fact]
    public void AnUnknownHostIsAnErrorWithItsId()
    {
        var error = Invoke("true").SingleError();

        Assert.StartsWith("HostKeyUnknown,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
    }

    [Fact]
    public void APasswordTheServerRefusesIsAnAuthenticationErrorWithoutThePassword()
    {
        File.WriteAllText(_knownHosts, _ssh.KnownHostsLine + "\n");
        var result = _engine.Invoke("""
            $credential = [pscredential]::new($args[2], (ConvertTo-SecureString 'N0t-The-Password' -AsPlainText -Force))
            Invoke-RemoteCommand -ComputerName $args[0] -Port $args[1] -Credential $credential -KnownHostsPath $args[3] -Command true -Timeout 00:00:20
            """, _ssh.Host, _ssh.Port, _ssh.User, _knownHosts);

        var error = result.SingleError();
        Assert.StartsWith("SshAuthenticationFailed,", error.FullyQualifiedErrorId);
        Assert.DoesNotContain("N0t-The-Password", error.ToString());
    }

    [Fact]
    public void WhatIfRunsNothing()
    {
        File.WriteAllText(_knownHosts, _ssh.KnownHostsLine + "\n");
        var marker = Path.Combine(Path.GetDirectoryName(_knownHosts)!, "ran");

        Invoke($"touch {marker}", "-WhatIf").EnsureSuccess();

        Assert.False(File.Exists(marker));
    }

    public void Dispose()
    {
        _engine.Dispose();
        Directory.Delete(Path.GetDirectoryName(_knownHosts)!, recursive: true);
    }
}
