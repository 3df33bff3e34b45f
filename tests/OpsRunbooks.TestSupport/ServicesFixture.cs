using Xunit;

namespace OpsRunbooks.TestSupport;

/// <summary>One PostgreSQL server and one gpg key pair shared by the tests of a collection.</summary>
public sealed class ServicesFixture : IAsyncLifetime
{
    private PostgresService? _postgres;
    private GpgKeyPair? _keys;
    private GpgKeyPair? _otherKeys;
    private S3Service? _s3;

    public PostgresService Postgres => _postgres ?? throw new InvalidOperationException("PostgreSQL was not started.");
    public GpgKeyPair Keys => _keys ?? throw new InvalidOperationException("No key pair.");

    public S3Service S3 => _s3 ?? throw new InvalidOperationException("The S3 server was not started.");

    /// <summary>A second, unrelated key pair: what the backup was not encrypted to.</summary>
    public GpgKeyPair OtherKeys => _otherKeys ?? throw new InvalidOperationException("No key pair.");

    public async Task InitializeAsync()
    {
        var postgres = PostgresService.StartAsync();
        var keys = GpgKeyPair.CreateAsync("backup");
        var otherKeys = GpgKeyPair.CreateAsync("other");
        var s3 = S3Service.StartAsync();
        _postgres = await postgres;
        _s3 = await s3;
        _keys = await keys;
        _otherKeys = await otherKeys;
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_keys is not null) await _keys.DisposeAsync();
        if (_otherKeys is not null) await _otherKeys.DisposeAsync();
        if (_s3 is not null) await _s3.DisposeAsync();
    }
}
