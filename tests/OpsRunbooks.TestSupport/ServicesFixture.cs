using Xunit;

namespace OpsRunbooks.TestSupport;

/// <summary>One PostgreSQL server and one gpg key pair shared by the tests of a collection.</summary>
public sealed class ServicesFixture : IAsyncLifetime
{
    private PostgresService? _postgres;
    private GpgKeyPair? _keys;
    private GpgKeyPair? _otherKeys;

    public PostgresService Postgres => _postgres ?? throw new InvalidOperationException("PostgreSQL was not started.");
    public GpgKeyPair Keys => _keys ?? throw new InvalidOperationException("No key pair.");

    /// <summary>A second, unrelated key pair: what the backup was not encrypted to.</summary>
    public GpgKeyPair OtherKeys => _otherKeys ?? throw new InvalidOperationException("No key pair.");

    public async Task InitializeAsync()
    {
        var postgres = PostgresService.StartAsync();
        var keys = GpgKeyPair.CreateAsync("backup");
        var otherKeys = GpgKeyPair.CreateAsync("other");
        _postgres = await postgres;
        _keys = await keys;
        _otherKeys = await otherKeys;
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_keys is not null) await _keys.DisposeAsync();
        if (_otherKeys is not null) await _otherKeys.DisposeAsync();
    }
}
