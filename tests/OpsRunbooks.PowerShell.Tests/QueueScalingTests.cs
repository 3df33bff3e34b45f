using System.Globalization;
using System.Management.Automation;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>A password-protected Redis and a PostgreSQL 15 server for the queue and scaling cmdlets.</summary>
public sealed class QueueServicesFixture : IAsyncLifetime
{
    private RedisService? _redis;
    private PostgresService? _postgres;

    public RedisService Redis => _redis ?? throw new InvalidOperationException("Redis was not started.");
    public PostgresService Postgres => _postgres ?? throw new InvalidOperationException("PostgreSQL was not started.");

    public async Task InitializeAsync()
    {
        var redis = RedisService.StartAsync(withPassword: true);
        var postgres = PostgresService.StartAsync();
        _redis = await redis;
        _postgres = await postgres;
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class QueueServicesCollection : ICollectionFixture<QueueServicesFixture>
{
    public const string Name = "queue services";
}

[Collection(QueueServicesCollection.Name)]
public sealed class QueueScalingTests : IDisposable
{
    private readonly QueueServicesFixture _services;
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-scaling-").FullName;
    private readonly string _redisPasswordVariable = "OPSRUNBOOKS_TEST_REDIS_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private readonly string _pgPasswordVariable = "OPSRUNBOOKS_TEST_PG_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private readonly EngineSession _engine = new();

    public QueueScalingTests(QueueServicesFixture services)
    {
        _services = services;
        Environment.SetEnvironmentVariable(_redisPasswordVariable, services.Redis.Password);
        Environment.SetEnvironmentVariable(_pgPasswordVariable, services.Postgres.Password);
        _engine.SetVariable("redis", services.Redis.Endpoint);
        _engine.SetVariable("redisCredential", new PSCredential("default", Secure(services.Redis.Password!)));
        _engine.SetVariable("state", Path.Combine(_directory, "state"));
        _engine.SetVariable("pgServer", services.Postgres.Host);
        _engine.SetVariable("pgPort", services.Postgres.Port);
        _engine.SetVariable("pgCredential", new PSCredential(services.Postgres.User, Secure(services.Postgres.Password)));
    }

    // The module lives in a load context of its own: its objects are read through their PowerShell properties.
    private static object? P(PSObject item, string name) => item.Properties[name].Value;

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return secure;
    }

    /// <summary>An environment file with the test servers and a Scaling section reading Horizon queues from database <paramref name="database"/>.</summary>
    private string WriteEnvironment(int database, string queues = "@('default', 'mail')")
    {
        File.WriteAllText(Path.Combine(_directory, "scaling.psd1"), $$"""
            @{
                Name = 'scaling'
                DatabaseServers = @{
                    primary = @{ Host = '{{_services.Postgres.Host}}'; Port = {{_services.Postgres.Port}}; User = '{{_services.Postgres.User}}'; Password = 'env:{{_pgPasswordVariable}}' }
                }
                Databases = @( @{ Name = '{{_services.Postgres.SeedDatabase}}'; Server = 'primary' } )
                Scaling = @{
                    Redis = @{ Server = '{{_services.Redis.Endpoint}}'; Database = {{database}}; Password = 'env:{{_redisPasswordVariable}}' }
                    Queues = @{ Names = {{queues}}; Layout = 'Horizon'; KeyPrefix = 'shop_database_' }
                }
            }
            """);
        _engine.SetVariable("environment", _directory);
        return "(Get-OpsEnvironment -Name scaling -Path $environment)";
    }

    private static string Payload(int id, DateTimeOffset pushedAt) =>
        $"{{\"uuid\":\"{id}\",\"displayName\":\"App\\\\Jobs\\\\Deploy\",\"pushedAt\":\"{(pushedAt.ToUnixTimeMilliseconds() / 1000d).ToString("0.000", CultureInfo.InvariantCulture)}\"}}";

    private Task PushAsync(int database, string key, int count, DateTimeOffset oldest) =>
        _services.Redis.PipeAsync(new[] { new[] { "DEL", key } }.Concat(Enumerable.Range(0, count).Select(i => new[] { "RPUSH", key, Payload(i, oldest.AddSeconds(i * 0.1)) })), database);

    [Fact]
    public async Task QueueDepthFromAnEnvironmentFileReadsItsQueuesInOneCall()
    {
        await PushAsync(7, "shop_database_queues:default", 567, DateTimeOffset.UtcNow.AddMinutes(-6));
        await _services.Redis.CliAsync("-n", "7", "ZADD", "shop_database_queues:default:delayed", "1900000000", "{\"uuid\":\"d\"}");
        var environment = WriteEnvironment(7);

        var result = _engine.Invoke($"Get-QueueDepth -Environment {environment}").EnsureSuccess();

        var depths = result.Output;
        Assert.Equal(["default", "mail"], depths.Select(d => (string)P(d, "Queue")!));
        Assert.Equal((567L, 1L, 0L), ((long)P(depths[0], "Pending")!, (long)P(depths[0], "Delayed")!, (long)P(depths[0], "Reserved")!));
        Assert.InRange(((TimeSpan)P(depths[0], "OldestPendingAge")!).TotalMinutes, 5.9, 7);
        Assert.Equal("scaling", P(depths[0], "Environment"));
        Assert.Equal(0L, P(depths[1], "Pending"));
    }

    [Fact]
    public async Task TheSeedsExampleFromRedisToARecommendationWithItsReason()
    {
        await PushAsync(8, "queues:deployments", 567, DateTimeOffset.UtcNow.AddMinutes(-6).AddSeconds(-20));

        var result = _engine.Invoke("""
            Get-QueueDepth -Redis $redis -Credential $redisCredential -RedisDatabase 8 -Queue deployments |
                Get-WorkerScaleRecommendation -TargetWaitMinutes 2 -JobsPerWorkerPerMinute 5 -Minimum 1 -Maximum 100 -MaxStepUp 20 -CurrentReplicas 12 -StateDirectory $state
            """).EnsureSuccess();

        var recommendation = Assert.Single(result.Output);
        Assert.Equal((12, 32, "MaxStepUp"), ((int)P(recommendation, "Current")!, (int)P(recommendation, "Desired")!, P(recommendation, "CappedBy")!.ToString()));
        Assert.Equal("567 pending, oldest waited 6 min > 2 min target → 57 wanted, capped at +20 per step → 32", P(recommendation, "Reason"));
        Assert.True(File.Exists((string)P(recommendation, "StatePath")!));
    }

    [Fact]
    public async Task FreeConnectionsOfTheRealServerCapTheWorkers()
    {
        await PushAsync(9, "queues:reports", 2000, DateTimeOffset.UtcNow);
        // The test server allows 50 connections; 30 per worker leave room for at most one more worker.
        var result = _engine.Invoke("""
            Get-QueueDepth -Redis $redis -Credential $redisCredential -RedisDatabase 9 -Queue reports -Layout List -KeyPrefix 'queues:' |
                Get-WorkerScaleRecommendation -TargetWaitMinutes 2 -JobsPerWorkerPerMinute 5 -Minimum 1 -Maximum 500 -CurrentReplicas 3 -ScaleDownStabilization 0 `
                    -Server $pgServer -Port $pgPort -Credential $pgCredential -DatabaseConnectionsPerWorker 30 -DatabaseConnectionReserve 5
            """).EnsureSuccess();

        var recommendation = Assert.Single(result.Output);
        Assert.Equal("DatabaseConnections", P(recommendation, "CappedBy")!.ToString());
        Assert.Equal(4, P(recommendation, "Desired"));
        Assert.Matches(@"capped by \d+ free connections on 127\.0\.0\.1:\d+ \(50 max − \d+ in use − 8 reserved\) at 30 per worker → 4", (string)P(recommendation, "Reason")!);
    }

    [Fact]
    public async Task TheEnvironmentsDatabaseServerGuardsAndItsStateFileHoldsTheScaleDown()
    {
        var environment = WriteEnvironment(10, "'jobs'");
        await PushAsync(10, "shop_database_queues:jobs", 100, DateTimeOffset.UtcNow);
        var recommend = $"""
            Get-QueueDepth -Environment {environment} |
                Get-WorkerScaleRecommendation -TargetWaitMinutes 2 -JobsPerWorkerPerMinute 5 -Minimum 1 -Maximum 50 -CurrentReplicas 10 `
                    -DatabaseServer primary -DatabaseConnectionsPerWorker 1 -StateDirectory $state
            """;
        var first = Assert.Single(_engine.Invoke(recommend).EnsureSuccess().Output);
        Assert.Equal((10, "Formula"), ((int)P(first, "Desired")!, P(first, "Rule")!.ToString()));

        await _services.Redis.CliAsync("-n", "10", "DEL", "shop_database_queues:jobs");
        var second = Assert.Single(_engine.Invoke(recommend).EnsureSuccess().Output);

        Assert.Equal((10, "Stabilization"), ((int)P(second, "Desired")!, P(second, "Rule")!.ToString()));
        Assert.Contains("10 was recommended within the last 5 min: no scale-down yet → 10", (string)P(second, "Reason")!);
        Assert.Equal(Path.Combine(_directory, "state", "scaling", "queues_jobs.json"), P(second, "StatePath"));
    }

    [Fact]
    public async Task AnUnknownSidekiqQueueIsAWarningAndAWrongPasswordAnError()
    {
        await _services.Redis.PipeAsync([["DEL", "queues"], ["SADD", "queues", "default"]], database: 11);
        var warned = _engine.Invoke("Get-QueueDepth -Redis $redis -Credential $redisCredential -RedisDatabase 11 -Queue default, defualt -Layout Sidekiq").EnsureSuccess();
        Assert.Equal(2, warned.Output.Count);
        Assert.Contains("has no Sidekiq queue 'defualt'", Assert.Single(warned.Warnings).Message);

        var refused = _engine.Invoke("Get-QueueDepth -Redis $redis -Credential (New-Object pscredential 'default', (ConvertTo-SecureString 'wrong-secret' -AsPlainText -Force)) -Queue default");
        var error = refused.SingleError();
        Assert.Equal("RedisAuthenticationFailed,OpsRunbooks.PowerShell.Commands.Scaling.GetQueueDepthCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain("wrong-secret", error.ToString());
    }

    [Fact]
    public void WithoutACurrentCountTheRecommendationSaysHowToGiveOne()
    {
        var result = _engine.Invoke("""
            Get-QueueDepth -Redis $redis -Credential $redisCredential -Queue nothing -Layout List |
                Get-WorkerScaleRecommendation -TargetWaitMinutes 2 -JobsPerWorkerPerMinute 5 -Minimum 1 -Maximum 5
            """);
        Assert.StartsWith("CurrentReplicasUnknown,", result.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void RedisHealthMeasuresTheRealServer()
    {
        var result = _engine.Invoke("Test-RedisHealth -Redis $redis -Credential $redisCredential -MaximumLatency 00:00:05").EnsureSuccess();

        var check = Assert.Single(result.Output);
        Assert.Equal("Healthy", check.Properties["Status"].Value.ToString());
        Assert.StartsWith("PONG in ", (string)check.Properties["Reason"].Value);
        var measured = (System.Collections.IDictionary)check.Properties["Measured"].Value;
        Assert.True(Convert.ToInt64(measured["ConnectedClients"], CultureInfo.InvariantCulture) >= 1);
        Assert.Equal(0L, Convert.ToInt64(measured["MaxMemoryBytes"], CultureInfo.InvariantCulture));
    }

    [Fact]
    [Trait("Category", "Fault")]
    public void RedisHealthOfAFullServerWithRejectedClientsIsUnhealthyWithTheReasons()
    {
        // A separate server: its limits must not disturb the other tests.
        var server = RedisService.StartAsync().GetAwaiter().GetResult();
        try
        {
            // maxmemory just above what the server uses: 97 %, over the Unhealthy 95 %.
            var used = server.CliAsync("INFO", "memory").GetAwaiter().GetResult().Split('\n')
                .Select(line => line.Trim()).First(line => line.StartsWith("used_memory:", StringComparison.Ordinal))["used_memory:".Length..];
            server.CliAsync("CONFIG", "SET", "maxmemory", (long.Parse(used, CultureInfo.InvariantCulture) * 100 / 97).ToString(CultureInfo.InvariantCulture)).GetAwaiter().GetResult();
            server.CliAsync("CONFIG", "SET", "maxclients", "3").GetAwaiter().GetResult();
            // Hold the three client slots, so that a fourth connection is rejected.
            var holders = Enumerable.Range(0, 3).Select(_ => new System.Net.Sockets.TcpClient("127.0.0.1", server.Port)).ToList();
            Thread.Sleep(200);
            using (var rejected = new System.Net.Sockets.TcpClient("127.0.0.1", server.Port)) Thread.Sleep(200);
            // Free two slots for the check's own connections.
            holders[0].Dispose();
            holders[1].Dispose();
            Thread.Sleep(200);

            _engine.SetVariable("full", server.Endpoint);
            var check = Assert.Single(_engine.Invoke("Test-RedisHealth -Redis $full -MaximumLatency 00:00:05").EnsureSuccess().Output);

            Assert.Equal("Unhealthy", check.Properties["Status"].Value.ToString());
            var reason = (string)check.Properties["Reason"].Value;
            Assert.Contains("% of maxmemory", reason);
            Assert.Contains("connections rejected since the server started", reason);
            foreach (var holder in holders) holder.Dispose();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Fact]
    [Trait("Category", "Fault")]
    public void AStoppedRedisIsUnhealthyForTheCheckAndAnErrorForTheQueueDepth()
    {
        _engine.SetVariable("gone", "127.0.0.1:1");
        var check = Assert.Single(_engine.Invoke("Test-RedisHealth -Redis $gone -Timeout 00:00:03").EnsureSuccess().Output);
        Assert.Equal("Unhealthy", check.Properties["Status"].Value.ToString());

        var error = _engine.Invoke("Get-QueueDepth -Redis $gone -Queue default -Timeout 00:00:03").SingleError();
        Assert.StartsWith("RedisConnectionFailed,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
    }

    public void Dispose()
    {
        _engine.Dispose();
        Environment.SetEnvironmentVariable(_redisPasswordVariable, null);
        Environment.SetEnvironmentVariable(_pgPasswordVariable, null);
        Directory.Delete(_directory, recursive: true);
    }
}
