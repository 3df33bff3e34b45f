using System.Text.RegularExpressions;
using Npgsql;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// Every health check against real servers, each status for the reason expected: health endpoints answering well,
/// slowly, 500 and not-JSON; TLS certificates valid, expiring, for another name and self-signed; PostgreSQL with a
/// long query and an idle transaction; a small tmpfs filled up, here and over SSH; and Invoke-HealthCheck with the
/// morning runbook's exit codes.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed partial class HealthTests(ServicesFixture services, HealthFixture fixture) : IClassFixture<HealthFixture>, IDisposable
{
    private readonly EngineSession _session = new();

    private HealthView Single(string script, params object?[] arguments) =>
        new(_session.Invoke(script, arguments).EnsureSuccess().Output.Single());

    private static void AssertStatus(HealthView result, string status, string reason)
    {
        Assert.True(result.Status == status && result.Reason.Contains(reason, StringComparison.Ordinal), $"expected {status} ({reason}), got {result}");
    }

    [Fact]
    public void HttpEndpointIsHealthySlowFailingOrMalformedForTheReasonSeen()
    {
        var http = fixture.Http;
        // The first request of a session pays for connecting and JIT on a busy machine: the latency limit is not what this one tests.
        AssertStatus(Single("Test-HttpEndpoint -Uri $args[0] -JsonProperty status -MaximumLatency 00:00:05", http.Url("/healthy")), "Healthy", "HTTP 200 in");
        AssertStatus(Single("Test-HttpEndpoint -Uri $args[0] -JsonProperty status -MaximumLatency 00:00:00.3", http.Url("/slow")),
            "Degraded", "over the maximum latency of 300 ms");
        AssertStatus(Single("Test-HttpEndpoint -Uri $args[0]", http.Url("/error")), "Unhealthy", "answered HTTP 500 (Internal Server Error), expected 200");
        AssertStatus(Single("Test-HttpEndpoint -Uri $args[0] -JsonProperty status", http.Url("/malformed")), "Unhealthy", "the body is not valid JSON");
        AssertStatus(Single("Test-HttpEndpoint -Uri $args[0] -JsonProperty status", http.Url("/degraded")), "Unhealthy", "'status' is 'degraded', expected 'healthy'");
        AssertStatus(Single("Test-HttpEndpoint -Uri $args[0] -Timeout 00:00:01", http.Url("/hang")), "Unhealthy", "no answer within the timeout of 1 s");

        var healthy = Single("Test-HttpEndpoint -Uri $args[0] -JsonProperty status", http.Url("/healthy"));
        Assert.Equal(200, healthy.Measured["StatusCode"]);
        Assert.Equal("healthy", healthy.Measured["status"]);
    }

    [Fact]
    public void AnEndpointThatRefusesIsUnhealthyAndTheOthersAreStillChecked()
    {
        var refused = new Uri($"http://127.0.0.1:{FreePort()}/health");
        var results = _session.Invoke("$args | Test-HttpEndpoint", refused, fixture.Http.Url("/healthy")).EnsureSuccess().Output.Select(o => new HealthView(o)).ToList();
        Assert.Equal(["Unhealthy", "Healthy"], results.Select(r => r.Status));
        Assert.Contains("refused", results[0].Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TlsCertificateIsJudgedByExpiryChainAndName()
    {
        const string test = "Test-TlsCertificate -HostName localhost -Port $args[0] -CertificateAuthority $args[1]";
        AssertStatus(Single(test, fixture.ValidTls.Port, fixture.AuthorityPem), "Healthy", "valid for 90 more days");
        AssertStatus(Single(test, fixture.ExpiringTls.Port, fixture.AuthorityPem), "Degraded", "the certificate expires in 20 days");
        AssertStatus(Single(test, fixture.AlmostExpiredTls.Port, fixture.AuthorityPem), "Unhealthy", "the certificate expires in 3 days");
        AssertStatus(Single(test, fixture.WrongNameTls.Port, fixture.AuthorityPem), "Unhealthy", "the certificate is not for 'localhost': it names other.example");
        AssertStatus(Single(test, fixture.SelfSignedTls.Port, fixture.AuthorityPem), "Unhealthy", "the certificate chain is not trusted");
        // Without the test authority, the system's roots do not know it.
        var untrusted = Single("Test-TlsCertificate -HostName localhost -Port $args[0]", fixture.ValidTls.Port);
        AssertStatus(untrusted, "Unhealthy", "the certificate chain is not trusted");
        Assert.Equal(false, untrusted.Measured["ChainValid"]);
        Assert.Equal(true, untrusted.Measured["NameMatches"]);
        AssertStatus(Single("Test-TlsCertificate -HostName localhost -Port $args[0] -WarningDays 10 -CriticalDays 2", fixture.AlmostExpiredTls.Port),
            "Unhealthy", "chain is not trusted");
    }

    [Fact]
    public void PostgresIsHealthyThenDegradedAndUnhealthyByALongQueryAndAnIdleTransaction()
    {
        var postgres = services.Postgres;
        _session.SetVariable("credential", new System.Management.Automation.PSCredential(postgres.User, Secure(postgres.Password)));
        _session.SetVariable("server", postgres.Host);
        _session.SetVariable("port", postgres.Port);
        const string test = "Test-PostgresHealth -Server $server -Port $port -Credential $credential";

        var healthy = Single(test);
        AssertStatus(healthy, "Healthy", "PostgreSQL 15");
        Assert.Equal(false, healthy.Measured["InRecovery"]);

        using var sleeping = Connect();
        using var sleep = new NpgsqlCommand("SELECT pg_sleep(60)", sleeping);
        var running = sleep.ExecuteNonQueryAsync();
        using var idle = Connect();
        using (var begin = new NpgsqlCommand("BEGIN; SELECT 1", idle)) begin.ExecuteNonQuery();
        Thread.Sleep(TimeSpan.FromSeconds(2.5));

        var degraded = Single(test + " -DegradedQueryDuration 00:00:01 -UnhealthyQueryDuration 01:00:00 -IdleInTransactionDuration 00:00:01");
        AssertStatus(degraded, "Degraded", "1 query has run longer than 1 s");
        AssertStatus(degraded, "Degraded", "1 session has been idle in a transaction longer than 1 s");
        AssertStatus(Single(test + " -DegradedQueryDuration 00:00:01 -UnhealthyQueryDuration 00:00:02"), "Unhealthy", "1 query has run longer than 1 s");
        AssertStatus(Single(test + " -DegradedConnectionPercent 1 -UnhealthyConnectionPercent 100"), "Degraded", "connections in use");

        sleep.Cancel();
        Assert.ThrowsAny<Exception>(() => running.GetAwaiter().GetResult());
    }

    [Fact]
    public async Task PostgresEighteenIsCheckedTheSameWay()
    {
        await using var postgres = await PostgresService.StartAsync(majorVersion: 18);
        _session.SetVariable("credential", new System.Management.Automation.PSCredential(postgres.User, Secure(postgres.Password)));
        const string test = "Test-PostgresHealth -Server $args[0] -Port $args[1] -Credential $credential";
        var healthy = Single(test, postgres.Host, postgres.Port);
        AssertStatus(healthy, "Healthy", "PostgreSQL 18");
        Assert.Equal(0L, Convert.ToInt64(healthy.Measured["Standbys"]));
        AssertStatus(Single(test + " -DegradedConnectionPercent 1 -UnhealthyConnectionPercent 2", postgres.Host, postgres.Port),
            "Unhealthy", "connections in use");
    }

    [Fact]
    public void APostgresServerThatDoesNotAnswerIsUnhealthyAndAServerNotInTheEnvironmentIsAnError()
    {
        _session.SetVariable("credential", new System.Management.Automation.PSCredential("nobody", Secure("nothing")));
        AssertStatus(Single("Test-PostgresHealth -Server 127.0.0.1 -Port $args[0] -Credential $credential", FreePort()), "Unhealthy", "Could not connect to PostgreSQL");

        using var environment = new TestEnvironment(services);
        var error = _session.Invoke("Test-PostgresHealth -Environment (Get-OpsEnvironment test -Path $args[0]) -DatabaseServer nosuch",
            environment.Directory).SingleError();
        Assert.StartsWith("DatabaseServerNotInEnvironment", error.FullyQualifiedErrorId);
    }

    [Fact]
    public async Task DiskSpaceAndInodesAreDegradedUnder20AndUnhealthyUnder10PercentHereAndOverSsh()
    {
        await using var disk = await SmallFileSystem.MountAsync("size=1m,nr_inodes=100");
        var healthy = Single("Test-DiskSpace -Path $args[0]", disk.Path);
        AssertStatus(healthy, "Healthy", "100 % free");

        disk.Fill("data", 840 * 1024);
        AssertStatus(Single("Test-DiskSpace -Path $args[0]", disk.Path), "Degraded", "18 % of the space is free (184 KiB of 1 MiB), under 20 %");
        disk.Fill("more", 100 * 1024);
        var unhealthy = Single("Test-DiskSpace -Path $args[0]", disk.Path);
        AssertStatus(unhealthy, "Unhealthy", "8.2 % of the space is free (84 KiB of 1 MiB), under 10 %");

        // The same numbers over SSH, from the same machine; a busy machine may take long to log in.
        var remote = Single("Test-DiskSpace -Path $args[0] -ComputerName $args[1] -Port $args[2] -User $args[3] -KeyFile $args[4] -KnownHostsPath $args[5] -Timeout 00:01:00",
            disk.Path, fixture.Ssh.Host, fixture.Ssh.Port, fixture.Ssh.User, fixture.Ssh.KeyFile, fixture.KnownHosts);
        Assert.Equal($"{fixture.Ssh.Host}:{disk.Path}", remote.Target);
        Assert.Equal(unhealthy.Reason, remote.Reason);

        File.Delete(Path.Combine(disk.Path, "data"));
        File.Delete(Path.Combine(disk.Path, "more"));
        var freeInodes = Convert.ToInt64(Single("Test-DiskSpace -Path $args[0]", disk.Path).Measured["FreeInodes"]);
        disk.CreateEmptyFiles((int)freeInodes - 15);
        AssertStatus(Single("Test-DiskSpace -Path $args[0]", disk.Path), "Degraded", "15 % of the inodes are free (15 of 100), under 20 %");

        AssertStatus(Single("Test-DiskSpace -Path $args[0]", Path.Combine(disk.Path, "missing")), "Unhealthy", "cannot be read");
        AssertStatus(Single("Test-DiskSpace -Path / -ComputerName $args[0] -Port $args[1] -User $args[2] -KeyFile $args[3] -KnownHostsPath $args[4] -Timeout 00:01:00",
            fixture.Ssh.Host, fixture.Ssh.Port, fixture.Ssh.User, fixture.Ssh.KeyFile, Path.Combine(fixture.Directory, "empty_known_hosts")),
            "Unhealthy", "is not in");
    }

    [Fact]
    public async Task InvokeHealthCheckRunsTheEnvironmentsChecksAtOnceAndTheRunbookExitsByTheWorstStatus()
    {
        await using var disk = await SmallFileSystem.MountAsync("size=1m");
        var healthy = $$"""
            Http = @( @{ Uri = '{{fixture.Http.Url("/healthy")}}'; JsonProperty = 'status'; MaximumLatency = '00:00:05' } )
            Tls = @( @{ HostName = 'localhost'; Port = {{fixture.ValidTls.Port}}; CertificateAuthority = '{{fixture.AuthorityPem}}' } )
            Postgres = @( @{ Server = 'primary' } )
            Disk = @( @{ Path = '{{disk.Path}}' } )
            """;
        using var good = new HealthEnvironment(services, "good", healthy);
        var results = _session.Invoke("Invoke-HealthCheck -Environment (Get-OpsEnvironment $args[0] -Path $args[1])", good.Name, good.Directory).EnsureSuccess().Output.Select(o => new HealthView(o)).ToList();
        Assert.Equal(["Http", "Tls", "Postgres", "Disk"], results.Select(r => r.Check));
        Assert.All(results, r => Assert.True(r.Status == "Healthy", r.ToString()));
        Assert.Equal($"primary ({services.Postgres.Host}:{services.Postgres.Port})", results[2].Target);

        using var slow = new HealthEnvironment(services, "slow", healthy.Replace("MaximumLatency = '00:00:05'", "MaximumLatency = '00:00:00.200'")
            .Replace("/healthy", "/slow") + "\nThrottleLimit = 2");
        using var failing = new HealthEnvironment(services, "failing", healthy.Replace("Postgres = @( @{ Server = 'primary' } )", "Postgres = @( @{ Server = 'primary' }, @{ Server = 'nosuch' } )"));
        var withError = _session.Invoke("Invoke-HealthCheck -Environment (Get-OpsEnvironment $args[0] -Path $args[1])", failing.Name, failing.Directory);
        Assert.Equal(4, withError.Output.Count);
        Assert.StartsWith("HealthServerNotInEnvironment", Assert.Single(withError.Errors).FullyQualifiedErrorId);

        var exits = new Dictionary<string, int>();
        foreach (var environment in new[] { good, slow, failing })
        {
            var run = await ProcessRunner.RunAsync("dotnet",
                [RunnerTests.Runner, "run", RepositoryPaths.Combine("runbooks", "health", "Invoke-MorningHealthCheck.ps1"), "-Environment", environment.Name, "-EnvironmentPath", environment.Directory],
                new Dictionary<string, string> { [environment.PasswordVariable] = services.Postgres.Password });
            exits[environment.Name] = run.ExitCode;
            Assert.True(environment != good || run.ExitCode == 0, run.Error + run.Output);
            if (environment == slow) Assert.Contains("over the maximum latency of 200 ms", run.Error);
        }
        Assert.Equal(new Dictionary<string, int> { ["good"] = 0, ["slow"] = 3, ["failing"] = 1 }, exits);
    }

    [Fact]
    public void TheDefaultViewFits80ColumnsAndShowsTheWholeReason()
    {
        var script = "Test-HttpEndpoint -Uri $args[0], $args[1] -JsonProperty status";
        var results = _session.Invoke(script, fixture.Http.Url("/malformed"), fixture.Http.Url("/error")).EnsureSuccess();
        _session.SetVariable("objects", results.Output);
        var text = (string)_session.Invoke("$objects | Out-String -Width 80").EnsureSuccess().Output.Single().BaseObject;
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, $"wider than 80 columns:\n{text}"));
        // Target wraps too, so the Reason column is read on its own, from where its header starts.
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var reasonColumn = lines.Single(l => l.StartsWith("Check", StringComparison.Ordinal)).IndexOf("Reason", StringComparison.Ordinal);
        var flat = Spaces().Replace(string.Concat(lines.Select(l => l.Length > reasonColumn ? l[reasonColumn..] : "")), "");
        foreach (var result in results.Output.Select(o => new HealthView(o)))
            Assert.True(flat.Contains(Spaces().Replace(result.Reason, ""), StringComparison.Ordinal), $"'{result.Reason}' is not shown whole:\n{text}");

        var list = (string)_session.Invoke("$objects[1] | Format-List | Out-String -Width 80").EnsureSuccess().Output.Single().BaseObject;
        Assert.Contains("StatusCode = 500", list);
        Assert.Contains("ExpectedStatus = 200", list);
        var json = (string)_session.Invoke("$objects[1] | ConvertTo-Json -Depth 3").EnsureSuccess().Output.Single().BaseObject;
        Assert.Contains("\"StatusCode\": 500", json);
    }

    private NpgsqlConnection Connect()
    {
        var postgres = services.Postgres;
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = postgres.Host, Port = postgres.Port, Username = postgres.User, Password = postgres.Password, Database = postgres.SeedDatabase, Pooling = false,
        }.ConnectionString);
        connection.Open();
        return connection;
    }

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text) secure.AppendChar(c);
        return secure;
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    public void Dispose() => _session.Dispose();
}

/// <summary>An environment file with the test server as 'primary' and a Health section of the given entries.</summary>
public sealed class HealthEnvironment : IDisposable
{
    public HealthEnvironment(ServicesFixture services, string name, string healthEntries)
    {
        Name = name;
        Environment.SetEnvironmentVariable(PasswordVariable, services.Postgres.Password);
        System.IO.File.WriteAllText(File, $$"""
            @{
                Name = '{{name}}'
                DatabaseServers = @{
                    primary = @{ Host = '{{services.Postgres.Host}}'; Port = {{services.Postgres.Port}}; User = '{{services.Postgres.User}}'; Password = 'env:{{PasswordVariable}}' }
                }
                Health = @{
                    {{healthEntries.Replace("\n", "\n        ")}}
                }
            }
            """);
    }

    public string Name { get; }
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("opsrunbooks-env-").FullName;
    public string File => Path.Combine(Directory, Name + ".psd1");
    public string PasswordVariable { get; } = "OPSRUNBOOKS_TEST_PGPASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, null);
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
