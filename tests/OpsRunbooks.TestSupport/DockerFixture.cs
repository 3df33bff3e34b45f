using Xunit;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// The Docker daemon (a single-node Swarm), an sshd to reach it the way Compose and SshCommand targets do, and a
/// Redis server for the workers, shared by a collection: a machine runs one Swarm manager at a time.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    private DockerService? _docker;
    private SshService? _ssh;
    private RedisService? _redis;

    public DockerService Docker => _docker ?? throw new InvalidOperationException("dockerd was not started.");
    public SshService Ssh => _ssh ?? throw new InvalidOperationException("sshd was not started.");
    public RedisService Redis => _redis ?? throw new InvalidOperationException("Redis was not started.");

    public async Task InitializeAsync()
    {
        var docker = DockerService.StartAsync();
        var ssh = SshService.StartAsync();
        var redis = RedisService.StartAsync();
        _docker = await docker;
        _ssh = await ssh;
        _redis = await redis;
    }

    public async Task DisposeAsync()
    {
        if (_docker is not null) await _docker.DisposeAsync();
        if (_ssh is not null) await _ssh.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
