using Xunit;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// One Redis server with a password (requirepass), shared by the tests of a collection. Tests keep to keys of their
/// own (a unique prefix or queue name) or a logical database of their own, so they need no order.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisService? _redis;

    public RedisService Redis => _redis ?? throw new InvalidOperationException("Redis was not started.");

    public async Task InitializeAsync() => _redis = await RedisService.StartAsync(withPassword: true);

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
