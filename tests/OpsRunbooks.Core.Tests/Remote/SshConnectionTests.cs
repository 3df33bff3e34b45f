using OpsRunbooks.Remote;
using OpsRunbooks.Remote.Ssh;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Remote;

public sealed class SshConnectionTests : IClassFixture<SshServiceFixture>, IDisposable
{
    private readonly SshService _ssh;
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-knownhosts-").FullName;

    public SshConnectionTests(SshServiceFixture fixture) => _ssh = fixture.Ssh;

    private string KnownHosts => Path.Combine(_directory, "known_hosts");

    private SshConnectionOptions Options(bool trustNewHostKey = false) => new()
    {
        Host = _ssh.Host,
        Port = _ssh.Port,
        User = _ssh.User,
        KeyFile = _ssh.KeyFile,
        KnownHostsPath = KnownHosts,
        TrustNewHostKey = trustNewHostKey,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    private void PinCurrentHostKey() => File.WriteAllText(KnownHosts, _ssh.KnownHostsLine + "\n");

    [Fact]
    public async Task ACommandReturnsItsOutputErrorAndExitCode()
    {
        PinCurrentHostKey();
        var result = await SshConnection.RunOnceAsync(Options(), "echo out; echo err >&2; exit 3", TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        Assert.Equal(_ssh.Host, result.ComputerName);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task OneConnectionRunsSeveralCommands()
    {
        PinCurrentHostKey();
        using var connection = await SshConnection.OpenAsync(Options(), CancellationToken.None);
        var first = await connection.RunAsync("echo one", TimeSpan.FromSeconds(20), CancellationToken.None);
        var second = await connection.RunAsync("echo two", TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(["one\n", "two\n"], new[] { first.StandardOutput, second.StandardOutput });
    }

    [Fact]
    public async Task AnUnknownHostKeyIsRefusedAndNotRecorded()
    {
        var e = await Assert.ThrowsAsync<OpsException>(() => SshConnection.OpenAsync(Options(), CancellationToken.None));

        Assert.Equal(RemoteErrorIds.HostKeyUnknown, e.ErrorId);
        Assert.Contains("SHA256:", e.Message);
        Assert.False(File.Exists(KnownHosts));
    }

    [Fact]
    public async Task TrustNewHostKeyRecordsTheKeyAndLaterConnectionsCheckIt()
    {
        var trusted = await SshConnection.RunOnceAsync(Options(trustNewHostKey: true), "true", TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(0, trusted.ExitCode);
        Assert.Equal(_ssh.KnownHostsLine, File.ReadAllText(KnownHosts).Trim());

        var checkedAgainstTheFile = await SshConnection.RunOnceAsync(Options(), "echo ok", TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal("ok\n", checkedAgainstTheFile.StandardOutput);
        Assert.Single(File.ReadAllLines(KnownHosts));
    }

    [Fact]
    public async Task AChangedHostKeyIsRefusedEvenWhenNewKeysAreTrusted()
    {
        PinCurrentHostKey();
        var recorded = KnownHostsFile.Fingerprint(Convert.FromBase64String(_ssh.HostPublicKey.Split(' ')[1]));
        await _ssh.ReplaceHostKeyAsync();
        var presented = KnownHostsFile.Fingerprint(Convert.FromBase64String(_ssh.HostPublicKey.Split(' ')[1]));

        var e = await Assert.ThrowsAsync<OpsException>(() => SshConnection.OpenAsync(Options(trustNewHostKey: true), CancellationToken.None));

        Assert.Equal(RemoteErrorIds.HostKeyChanged, e.ErrorId);
        Assert.Contains(recorded, e.Message);
        Assert.Contains(presented, e.Message);
        Assert.Single(File.ReadAllLines(KnownHosts));
    }

    [Fact]
    public async Task AHashedKnownHostsEntryIsRecognised()
    {
        using (var hmac = new System.Security.Cryptography.HMACSHA1(new byte[20]))
        {
            var hash = Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes($"[{_ssh.Host}]:{_ssh.Port}")));
            File.WriteAllText(KnownHosts, $"|1|{Convert.ToBase64String(new byte[20])}|{hash} {_ssh.HostPublicKey}\n");
        }
        var result = await SshConnection.RunOnceAsync(Options(), "echo ok", TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task ACommandThatOutlivesItsTimeoutFailsWithTimedOut()
    {
        PinCurrentHostKey();
        using var connection = await SshConnection.OpenAsync(Options(), CancellationToken.None);

        var e = await Assert.ThrowsAsync<OpsException>(() => connection.RunAsync("sleep 30", TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Equal(RemoteErrorIds.RemoteCommandTimedOut, e.ErrorId);
    }

    [Fact]
    public async Task AKeyTheServerDoesNotAcceptFailsAuthentication()
    {
        PinCurrentHostKey();
        var otherKey = Path.Combine(_directory, "other_key");
        (await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey])).EnsureSuccess("ssh-keygen");

        var e = await Assert.ThrowsAsync<OpsException>(() => SshConnection.OpenAsync(Options() with { KeyFile = otherKey }, CancellationToken.None));

        Assert.Equal(RemoteErrorIds.SshAuthenticationFailed, e.ErrorId);
    }

    [Fact]
    public async Task APortWithoutServerFailsToConnect()
    {
        var e = await Assert.ThrowsAsync<OpsException>(() => SshConnection.OpenAsync(Options() with { Port = 1 }, CancellationToken.None));
        Assert.Equal(RemoteErrorIds.SshConnectionFailed, e.ErrorId);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
