using System.Net;
using System.Net.Sockets;
using OpsRunbooks.Redis;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisConnectionTests(RedisFixture fixture)
{
    private RedisService Redis => fixture.Redis;

    private RedisEndpoint Endpoint(string? password, int database = 0) =>
        RedisEndpoint.Parse(Redis.Endpoint, database, password is null ? null : new NetworkCredential("", password));

    [Fact]
    public async Task ConnectsWithThePasswordAndUsesTheEndpointsDatabase()
    {
        await Redis.CliAsync("-n", "3", "SET", "connection-test", "in-three");
        await using var connection = await RedisConnection.ConnectAsync(Endpoint(Redis.Password, database: 3), TimeSpan.FromSeconds(5), CancellationToken.None);

        var value = await connection.RunAsync(async db => (string?)await db.StringGetAsync("connection-test"), CancellationToken.None);

        Assert.Equal("in-three", value);
        var info = await connection.InfoAsync(CancellationToken.None, "server", "memory");
        Assert.Equal(Redis.Port, RedisConnection.InfoNumber(info, "tcp_port"));
        Assert.NotNull(RedisConnection.InfoNumber(info, "used_memory"));
    }

    [Fact]
    public async Task AWrongPasswordIsAnAuthenticationFailureThatDoesNotShowIt()
    {
        var failure = await Assert.ThrowsAsync<OpsException>(() =>
            RedisConnection.ConnectAsync(Endpoint("not-the-password"), TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Equal(RedisErrorIds.RedisAuthenticationFailed, failure.ErrorId);
        Assert.Contains("refused the password", failure.Message);
        Assert.DoesNotContain("not-the-password", failure.Message);
    }

    [Fact]
    public async Task NoPasswordForAServerThatRequiresOneSaysToGiveOne()
    {
        // Depending on the client's handshake the server refuses the connection or its first command: both must
        // be the authentication failure.
        var failure = await Assert.ThrowsAsync<OpsException>(async () =>
        {
            await using var connection = await RedisConnection.ConnectAsync(Endpoint(null), TimeSpan.FromSeconds(5), CancellationToken.None);
            await connection.RunAsync(async db => (string?)await db.StringGetAsync("x"), CancellationToken.None);
        });

        Assert.Equal(RedisErrorIds.RedisAuthenticationFailed, failure.ErrorId);
        Assert.Contains("requires a password", failure.Message);
    }

    [Fact]
    public async Task NoServerListeningIsAConnectionFailureNamingTheAddress()
    {
        var port = ClosedPort();
        var failure = await Assert.ThrowsAsync<OpsException>(() =>
            RedisConnection.ConnectAsync(RedisEndpoint.Parse($"127.0.0.1:{port}"), TimeSpan.FromSeconds(2), CancellationToken.None));

        Assert.Equal(RedisErrorIds.RedisConnectionFailed, failure.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", failure.Message);
    }

    [Theory]
    [InlineData("cache.internal", "cache.internal", 6379)]
    [InlineData("10.0.0.5:6380", "10.0.0.5", 6380)]
    [InlineData("[::1]:7000", "::1", 7000)]
    [InlineData(" redis:6379 ", "redis", 6379)]
    public void ParsesHostAndPort(string text, string host, int port)
    {
        var endpoint = RedisEndpoint.Parse(text);
        Assert.Equal((host, port), (endpoint.Host, endpoint.Port));
    }

    [Theory]
    [InlineData("redis:0")]
    [InlineData("redis:70000")]
    [InlineData("redis:port")]
    [InlineData("::1:6379")]
    [InlineData(":6379")]
    [InlineData("[::1")]
    public void RefusesAnAddressThatIsNotHostAndPort(string text)
    {
        var failure = Assert.Throws<OpsException>(() => RedisEndpoint.Parse(text));
        Assert.Equal(RedisErrorIds.RedisAddressInvalid, failure.ErrorId);
    }

    [Fact]
    public void AnEndpointShowsNoPassword()
    {
        var endpoint = RedisEndpoint.Parse("redis:6379", 2, new NetworkCredential("worker", "s3cret"));
        Assert.Equal("redis:6379/2", endpoint.ToString());
        Assert.Equal("worker", endpoint.User);
        Assert.DoesNotContain("s3cret", System.Text.Json.JsonSerializer.Serialize(endpoint));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
