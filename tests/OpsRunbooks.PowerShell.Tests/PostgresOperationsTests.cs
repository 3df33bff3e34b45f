using System.Management.Automation;
using Npgsql;
using Npgsql.Replication;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A PostgreSQL 15 server (Debian's) and an 18 server (npm), both with pg_stat_statements loaded, gpg keys and an
/// environment file naming both servers ('old' and 'new'), for the PostgreSQL operations tests.
/// </summary>
public sealed class PostgresOperationsFixture : IAsyncLifetime
{
    private PostgresService? _old;
    private PostgresService? _new;
    private GpgKeyPair? _keys;

    public PostgresService Old => _old ?? throw new InvalidOperationException("PostgreSQL 15 was not started.");
    public PostgresService New => _new ?? throw new InvalidOperationException("PostgreSQL 18 was not started.");
    public string EnvironmentDirectory { get; } = Directory.CreateTempSubdirectory("opsrunbooks-pgops-env-").FullName;
    public string PasswordVariable { get; } = "OPSRUNBOOKS_TEST_PGOPS_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public PostgresService Server(int majorVersion) => majorVersion == 15 ? Old : New;

    public static string ServerName(int majorVersion) => majorVersion == 15 ? "old" : "new";

    public async Task InitializeAsync()
    {
        var old = PostgresService.StartAsync(15, statStatements: true);
        var @new = PostgresService.StartAsync(18, statStatements: true);
        var keys = GpgKeyPair.CreateAsync("upgrade");
        try
        {
            _old = await old;
            _new = await @new;
            _keys = await keys;
        }
        catch
        {
            // What did start must not outlive a fixture that failed: wait for all three, stop the ones that started.
            await Task.WhenAll(old, @new, keys).ContinueWith(_ => { }, TaskScheduler.Default);
            if (old.IsCompletedSuccessfully) await old.Result.DisposeAsync();
            if (@new.IsCompletedSuccessfully) await @new.Result.DisposeAsync();
            if (keys.IsCompletedSuccessfully) await keys.Result.DisposeAsync();
            throw;
        }
        // Both clusters are made by postgres.sh with the same superuser; each has its own password.
        Environment.SetEnvironmentVariable(PasswordVariable + "_OLD", Old.Password);
        Environment.SetEnvironmentVariable(PasswordVariable + "_NEW", New.Password);
        File.WriteAllText(Path.Combine(EnvironmentDirectory, "ops.psd1"), $$"""
            @{
                Name = 'ops'
                DatabaseServers = @{
                    old = @{ Host = '{{Old.Host}}'; Port = {{Old.Port}}; User = '{{Old.User}}'; Password = 'env:{{PasswordVariable}}_OLD' }
                    new = @{ Host = '{{New.Host}}'; Port = {{New.Port}}; User = '{{New.User}}'; Password = 'env:{{PasswordVariable}}_NEW' }
                }
                Databases = @( @{ Name = '{{Old.SeedDatabase}}'; Server = 'old' } )
                Store = @{ Path = 'store' }
                EncryptionKey = '{{_keys.PublicKeyPath}}'
                DecryptionKey = '{{_keys.PrivateKeyPath}}'
            }
            """);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(PasswordVariable + "_OLD", null);
        Environment.SetEnvironmentVariable(PasswordVariable + "_NEW", null);
        if (_old is not null) await _old.DisposeAsync();
        if (_new is not null) await _new.DisposeAsync();
        if (_keys is not null) await _keys.DisposeAsync();
        Directory.Delete(EnvironmentDirectory, recursive: true);
    }
}

/// <summary>
/// Get-PostgresActivity, Stop-PostgresQuery, Get-PostgresSlowQuery, Invoke-PostgresUpgrade and their runbooks
/// against real PostgreSQL 15 and 18 servers: real long queries, locks, replication connections and upgrades.
/// </summary>
public sealed class PostgresOperationsTests(PostgresOperationsFixture servers) : IClassFixture<PostgresOperationsFixture>, IDisposable
{
    private readonly EngineSession _session = new();

    private static string Runbook(string area, string name) => RepositoryPaths.Combine("runbooks", area, name + ".ps1");

    private System.Collections.Hashtable RunbookParameters(params (string Name, object Value)[] more)
    {
        var parameters = new System.Collections.Hashtable { ["Environment"] = "ops", ["EnvironmentPath"] = servers.EnvironmentDirectory };
        foreach (var (key, value) in more) parameters[key] = value;
        return parameters;
    }

    private EngineResult Invoke(string script, params object?[] arguments)
    {
        _session.Invoke("$ops = Get-OpsEnvironment ops -Path $args[0]", servers.EnvironmentDirectory).EnsureSuccess();
        return _session.Invoke(script, arguments);
    }

    private static NpgsqlConnection Connect(PostgresService server, string application, string? database = null) =>
        new(new NpgsqlConnectionStringBuilder
        {
            Host = server.Host, Port = server.Port, Username = server.User, Password = server.Password,
            Database = database ?? server.SeedDatabase, ApplicationName = application, Pooling = false,
        }.ConnectionString);

    /// <summary>Starts a query on its own connection and waits until the server shows it running for <paramref name="atLeast"/>.</summary>
    private static async Task<(NpgsqlConnection Connection, int Pid, Task Running)> StartQueryAsync(PostgresService server, string sql, TimeSpan atLeast)
    {
        var application = "opsrunbooks-test-" + Guid.NewGuid().ToString("N")[..8];
        var connection = Connect(server, application);
        await connection.OpenAsync();
        var pid = connection.ProcessID;
        var running = new NpgsqlCommand(sql, connection).ExecuteNonQueryAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var age = await server.QueryAsync($"SELECT coalesce(extract(epoch FROM clock_timestamp() - query_start), -1) FROM pg_stat_activity WHERE pid = {pid} AND state = 'active'");
            if (double.TryParse(age, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= atLeast.TotalSeconds) break;
            Assert.True(DateTime.UtcNow < deadline, $"the query did not start running on the server: {sql}");
            await Task.Delay(200);
        }
        return (connection, pid, running);
    }

    private static async Task<bool> IsRunningAsync(PostgresService server, int pid) =>
        await server.QueryAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}") == "1";

    private static T Property<T>(PSObject o, string name) => (T)o.Properties[name].Value;

    [Theory]
    [InlineData(15)]
    [InlineData(18)]
    public async Task LongRunningQueryIsFoundAndEndedByTheRunbookWhileWhatIfLeavesIt(int version)
    {
        var server = servers.Server(version);
        var (connection, pid, running) = await StartQueryAsync(server, "SELECT pg_sleep(600)", TimeSpan.FromSeconds(1.5));
        await using var _ = connection;

        var found = Invoke("Get-PostgresActivity -Environment $ops -DatabaseServer $args[0] -MinimumDuration 00:00:01", PostgresOperationsFixture.ServerName(version))
            .EnsureSuccess().Output.Single(s => Property<int>(s, "Pid") == pid);
        Assert.Equal("active", Property<string>(found, "State"));
        Assert.Equal("PgSleep", Property<string>(found, "WaitEvent"));
        Assert.Equal("client backend", Property<string>(found, "BackendType"));
        Assert.True(Property<TimeSpan?>(found, "QueryDuration") >= TimeSpan.FromSeconds(1));
        Assert.Equal("SELECT pg_sleep(600)", Property<string>(found, "Query"));
        Assert.Equal("127.0.0.1", Property<string>(found, "ClientAddress"));
        Assert.Equal(PostgresOperationsFixture.ServerName(version), Property<string>(found, "DatabaseServer"));

        var runbook = Runbook("health", "Stop-LongRunningQueries");
        var parameters = RunbookParameters(("DatabaseServer", PostgresOperationsFixture.ServerName(version)), ("MinimumDuration", TimeSpan.FromSeconds(1)));
        var whatIf = new System.Collections.Hashtable(parameters) { ["WhatIf"] = true };
        var listed = _session.InvokeFile(runbook, whatIf).EnsureSuccess();
        Assert.Contains(listed.Output, s => Property<int>(s, "Pid") == pid);
        Assert.True(await IsRunningAsync(server, pid), "-WhatIf ended the query");
        Assert.False(running.IsCompleted);
        var target = $"process {pid} on ";
        Assert.DoesNotContain(JournalLines(), line => line.Contains(target, StringComparison.Ordinal));

        var results = _session.InvokeFile(runbook, parameters).EnsureSuccess();
        var result = results.Output.Single(r => Property<int>(r, "Pid") == pid);
        Assert.Equal("Stopped", Property<object>(result, "Outcome").ToString());
        Assert.Equal("Terminate", Property<object>(result, "Action").ToString());
        Assert.True(Property<bool>(result, "Succeeded"));
        var ended = await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.Contains("57P01", (ended as PostgresException)?.SqlState ?? ended.ToString());
        Assert.False(await IsRunningAsync(server, pid));

        var entry = System.Text.Json.JsonDocument.Parse(Assert.Single(JournalLines(), line => line.Contains(target, StringComparison.Ordinal))).RootElement;
        Assert.Equal("SessionTermination", entry.GetProperty("operation").GetString());
        Assert.Equal("Succeeded", entry.GetProperty("outcome").GetString());
        Assert.DoesNotContain("pg_sleep", entry.GetRawText(), StringComparison.Ordinal);
    }

    private static string[] JournalLines() =>
        File.Exists(JournalPathForTests.DefaultLog) ? File.ReadAllLines(JournalPathForTests.DefaultLog) : [];

    [Fact]
    public async Task BlockedSessionNamesItsBlockerAndCancellingLeavesTheSessionConnected()
    {
        var server = servers.Old;
        var table = "locked_" + Guid.NewGuid().ToString("N")[..8];
        await server.QueryAsync($"CREATE TABLE {table} (id int)");
        await using var holder = Connect(server, "opsrunbooks-test-holder");
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", holder, transaction).ExecuteNonQueryAsync();
        var (waiter, waiterPid, waiting) = await StartQueryAsync(server, $"SELECT count(*) FROM {table}", TimeSpan.FromSeconds(0.5));
        await using var _ = waiter;

        var sessions = Invoke("Get-PostgresActivity -Environment $ops -DatabaseServer old -Database $args[0]", server.SeedDatabase).EnsureSuccess().Output;
        var blocked = sessions.Single(s => Property<int>(s, "Pid") == waiterPid);
        Assert.Equal([holder.ProcessID], Property<IReadOnlyList<int>>(blocked, "BlockedBy"));
        Assert.True(Property<bool>(blocked, "IsBlocked"));
        Assert.Equal("Lock", Property<string>(blocked, "WaitEventType"));
        var blocking = sessions.Single(s => Property<int>(s, "Pid") == holder.ProcessID);
        Assert.Equal("idle in transaction", Property<string>(blocking, "State"));
        Assert.NotNull(Property<TimeSpan?>(blocking, "TransactionDuration"));
        var idle = Invoke("Get-PostgresActivity -Environment $ops -DatabaseServer old -State 'idle in transaction'").EnsureSuccess().Output;
        Assert.Equal([holder.ProcessID], idle.Select(s => Property<int>(s, "Pid")));

        var cancelled = Invoke("$args[0] | Stop-PostgresQuery -Environment $ops -Cancel -Confirm:$false", blocked).EnsureSuccess().Output.Single();
        Assert.Equal("Stopped", Property<object>(cancelled, "Outcome").ToString());
        Assert.Equal("Cancel", Property<object>(cancelled, "Action").ToString());
        var error = await Assert.ThrowsAsync<PostgresException>(() => waiting);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, error.SqlState);
        Assert.True(await IsRunningAsync(server, waiterPid), "cancelling ended the session");
        await transaction.RollbackAsync();
        await server.QueryAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task ReplicationConnectionsAndServerProcessesAreLeftAloneUnlessForced()
    {
        var server = servers.Old;
        await using var replication = new PhysicalReplicationConnection(new NpgsqlConnectionStringBuilder
        {
            Host = server.Host, Port = server.Port, Username = server.User, Password = server.Password, ApplicationName = "opsrunbooks-test-standby",
        }.ConnectionString);
        await replication.Open();
        await replication.IdentifySystem();

        var processes = Invoke("Get-PostgresActivity -Server $args[0] -Port $args[1] -Credential $args[2]", server.Host, server.Port,
            new PSCredential(server.User, new System.Net.NetworkCredential("", server.Password).SecurePassword)).EnsureSuccess().Output;
        var walsender = Property<int>(processes.Single(s => Property<string>(s, "BackendType") == "walsender"), "Pid");
        var launcher = Property<int>(processes.Single(s => Property<string>(s, "BackendType") == "autovacuum launcher"), "Pid");

        var refused = Invoke("Stop-PostgresQuery -Environment $ops -DatabaseServer old -Pid $args[0], $args[1], 999999 -Confirm:$false", walsender, launcher)
            .EnsureSuccess().Output;
        Assert.Equal(["Refused", "Refused", "AlreadyEnded"], refused.Select(r => Property<object>(r, "Outcome").ToString()));
        Assert.Contains("replication connection", Property<string>(refused[0], "Reason"));
        Assert.Contains("autovacuum launcher", Property<string>(refused[1], "Reason"));
        Assert.True(await IsRunningAsync(server, walsender));

        var forced = Invoke("Stop-PostgresQuery -Environment $ops -DatabaseServer old -Pid $args[0] -Force -Confirm:$false", walsender).EnsureSuccess().Output.Single();
        Assert.Equal("Stopped", Property<object>(forced, "Outcome").ToString());
        Assert.False(await IsRunningAsync(server, walsender));
    }

    [Fact]
    public void AnEnvironmentWithSeveralServersNeedsDatabaseServerAndKnowsItsNames()
    {
        var missing = Invoke("Get-PostgresActivity -Environment $ops").SingleError();
        Assert.Equal("DatabaseServerRequired,OpsRunbooks.PowerShell.Commands.PostgresOperations.GetPostgresActivityCommand", missing.FullyQualifiedErrorId);
        Assert.Contains("say which with -DatabaseServer", missing.ToString());
        var unknown = Invoke("Get-PostgresActivity -Environment $ops -DatabaseServer standby").SingleError();
        Assert.StartsWith("DatabaseServerNotInEnvironment,", unknown.FullyQualifiedErrorId);
        var address = Invoke("Get-PostgresActivity -Environment $ops -DatabaseServer old -ClientAddress 10.0.0.300").SingleError();
        Assert.StartsWith("ClientAddressInvalid,", address.FullyQualifiedErrorId);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(18)]
    public async Task SlowQueriesAreRankedFromPgStatStatements(int version)
    {
        var server = servers.Server(version);
        await server.QueryAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        for (var i = 0; i < 5; i++)
            await server.QueryAsync("SELECT count(*) FROM orders WHERE id > 10");
        await server.QueryAsync("SELECT pg_sleep(0.3)");

        var byCalls = Invoke("Get-PostgresSlowQuery -Environment $ops -DatabaseServer $args[0] -Database $args[1] -OrderBy Calls -Top 3",
            PostgresOperationsFixture.ServerName(version), server.SeedDatabase).EnsureSuccess().Output;
        Assert.InRange(byCalls.Count, 1, 3);
        Assert.Equal(Enumerable.Range(1, byCalls.Count), byCalls.Select(q => Property<int>(q, "Rank")));
        var calls = byCalls.Select(q => Property<long>(q, "Calls")).ToList();
        Assert.Equal(calls.OrderDescending(), calls);
        Assert.All(byCalls, q => Assert.Equal(server.SeedDatabase, Property<string>(q, "Database")));

        var byMean = Invoke("Get-PostgresSlowQuery -Environment $ops -DatabaseServer $args[0] -Database $args[1] -Top 100",
            PostgresOperationsFixture.ServerName(version), server.SeedDatabase).EnsureSuccess().Output;
        var sleep = byMean.Single(q => Property<string>(q, "Query").Contains("pg_sleep", StringComparison.Ordinal));
        Assert.True(Property<TimeSpan>(sleep, "MeanTime") >= TimeSpan.FromMilliseconds(250));
        var ordered = byMean.Select(q => Property<TimeSpan>(q, "MeanTime")).ToList();
        Assert.Equal(ordered.OrderDescending(), ordered);

        var withoutExtension = Invoke("Get-PostgresSlowQuery -Environment $ops -DatabaseServer $args[0]", PostgresOperationsFixture.ServerName(version)).SingleError();
        Assert.StartsWith("PgStatStatementsMissing,", withoutExtension.FullyQualifiedErrorId);
        Assert.Contains("CREATE EXTENSION pg_stat_statements", withoutExtension.ToString());
        Assert.Contains("'postgres'", withoutExtension.ToString());
    }

    [Fact]
    public async Task UpgradeRunbookMovesASeededDatabaseFrom15To18WithMatchingRowCounts()
    {
        var database = "upgrade_" + Guid.NewGuid().ToString("N")[..8];
        await servers.Old.SeedAsync(database);
        var runbook = Runbook("maintenance", "Invoke-PostgresUpgrade");
        var parameters = RunbookParameters(("Source", "old"), ("Target", "new"), ("Database", new[] { database }));

        _session.InvokeFile(runbook, new System.Collections.Hashtable(parameters) { ["WhatIf"] = true }).EnsureSuccess();
        Assert.Equal("0", await servers.New.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname = '{database}'", "postgres"));

        var result = _session.InvokeFile(runbook, parameters).EnsureSuccess().Output.Single();
        Assert.Equal(database, Property<string>(result, "Database"));
        Assert.StartsWith("15.", Property<string>(result, "SourceVersion"));
        Assert.StartsWith("18.", Property<string>(result, "TargetVersion"));
        Assert.True(Property<bool>(result, "RowCountsMatch"));
        Assert.Empty(Property<IReadOnlyList<string>>(result, "Mismatches"));
        Assert.True(Property<int>(result, "Tables") >= 2);
        const string countRows = "SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, tablename), false, true, '')))[1]::text::bigint) FROM pg_tables WHERE schemaname = 'public'";
        var sourceRows = await servers.Old.QueryAsync(countRows, database);
        Assert.Equal(sourceRows, await servers.New.QueryAsync(countRows, database));
        Assert.True(Property<long>(result, "Rows") > 0);

        var again = _session.InvokeFile(runbook, parameters);
        Assert.StartsWith("UpgradeTargetDatabaseExists,", again.Errors.Single().FullyQualifiedErrorId);
    }

    public void Dispose() => _session.Dispose();
}
