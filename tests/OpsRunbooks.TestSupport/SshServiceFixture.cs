using Xunit;

namespace OpsRunbooks.TestSupport;

/// <summary>One sshd shared by the tests of a class or collection.</summary>
public sealed class SshServiceFixture : IAsyncLifetime
{
    private SshService? _ssh;

    public SshService Ssh => _ssh ?? throw new InvalidOperationException("sshd was not started.");

    public async Task InitializeAsync() => _ssh = await SshService.StartAsync();

    public async Task DisposeAsync()
    {
        if (_ssh is not null) await _ssh.DisposeAsync();
    }
}
