using System.Management.Automation;
using System.Text.RegularExpressions;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>One primary and its streaming standby, shared by the tests that leave both as they found them.</summary>
public sealed class ReplicationPairFixture : IAsyncLifetime
{
    private ReplicationPair? _pair;

    public ReplicationPair Pair => _pair ?? throw new InvalidOperationException("The replication pair was not started.");

    public async Task InitializeAsync() => _pair = await ReplicationPair.StartAsync();

    public async Task DisposeAsync()
    {
        if (_pair is not null) await _pair.DisposeAsync();
    }
}

/// <summary>
/// An environment file failover.psd1 naming a pair's servers 'primary' and 'standby', their password by reference to a
/// variable set for the test.
/// </summary>
public sealed class FailoverEnvironment : IDisposable
{
    public FailoverEnvironment(ReplicationPair pair)
    {
        Environment.SetEnvironmentVariable(PasswordVariable, pair.Primary.Password);
        File.WriteAllText(Path.Combine(Directory, "failover.psd1"), $$"""
            @{
                Name = 'failover'
                DatabaseServers = @{
                    primary = @{ Host = '{{pair.Primary.Host}}'; Port = {{pair.Primary.Port}}; User = '{{pair.Primary.User}}'; Password = 'env:{{PasswordVariable}}' }
                    standby = @{ Host = '{{pair.Standby.Host}}'; Port = {{pair.Standby.Port}}; User = '{{pair.Standby.User}}'; Password = 'env:{{PasswordVariable}}' }
                }
                Databases = @( @{ Name = 'postgres'; Server = 'primary' } )
                Journal = @{ Path = 'operations.jsonl' }
            }
            """);
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("opsrunbooks-env-").FullName;

    /// <summary>The operations log the environment names.</summary>
    public string JournalPath => Path.Combine(Directory, "operations.jsonl");

    public string PasswordVariable { get; } = "OPSRUNBOOKS_TEST_PGPASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    public System.Collections.Hashtable RunbookParameters(params (string Name, object Value)[] more)
    {
        var parameters = new System.Collections.Hashtable
        {
            ["Environment"] = "failover", ["EnvironmentPath"] = Directory, ["Primary"] = "primary", ["Standby"] = "standby", ["Confirm"] = false,
        };
        foreach (var (key, value) in more) parameters[key] = value;
        return parameters;
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, null);
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

internal static class Failover
{
    public static string UnplannedRunbook => RepositoryPaths.Combine("runbooks", "recovery", "Invoke-UnplannedFailover.ps1");
    public static string SwitchoverRunbook => RepositoryPaths.Combine("runbooks", "recovery", "Invoke-PlannedSwitchover.ps1");

    /// <summary>A session with $primary and $standby as -Server/-Port/-Credential splats for the pair.</summary>
    public static EngineSession Session(ReplicationPair pair)
    {
        var session = new EngineSession();
        session.Invoke("""
            $credential = [pscredential]::new($args[0], (ConvertTo-SecureString $args[1] -AsPlainText -Force))
            $primary = @{ Server = $args[2]; Port = $args[3]; Credential = $credential }
            $standby = @{ Server = $args[2]; Port = $args[4]; Credential = $credential }
            """, pair.Primary.User, pair.Primary.Password, pair.Primary.Host, pair.Primary.Port, pair.Standby.Port).EnsureSuccess();
        return session;
    }

    public static object? Property(PSObject o, string name) => o.Properties[name].Value;

    public static async Task<bool> InRecoveryAsync(PostgresService server) => await server.QueryAsync("SELECT pg_is_in_recovery()", "postgres") == "t";
}

/// <summary>Replication status and the refusals of promotion and switchover, on a pair that stays as it is.</summary>
public sealed class ReplicationTests(ReplicationPairFixture fixture) : IClassFixture<ReplicationPairFixture>, IDisposable
{
    private readonly EngineSession _session = Failover.Session(fixture.Pair);
    private ReplicationPair Pair => fixture.Pair;

    [Fact]
    public void OnAPrimaryEachStandbyIsListedWithItsPositionsAndLag()
    {
        var standby = _session.Invoke("Get-PostgresReplicationStatus @primary").EnsureSuccess().Output.Single();
        Assert.Equal("ReplicationStandby", standby.BaseObject.GetType().Name);
        Assert.Equal($"{Pair.Primary.Host}:{Pair.Primary.Port}", Failover.Property(standby, "Server"));
        Assert.Equal("streaming", Failover.Property(standby, "State"));
        Assert.Equal("async", Failover.Property(standby, "SyncState"));
        Assert.Equal("127.0.0.1", Failover.Property(standby, "ClientAddress"));
        Assert.Matches("^[0-9A-F]+/[0-9A-F]+$", (string)Failover.Property(standby, "CurrentLsn")!);
        Assert.True((long)Failover.Property(standby, "ReplayLagBytes")! >= 0);
    }

    [Fact]
    public void OnAStandbyItsPositionsAndItsPrimaryAreShownWithoutThePrimarysPassword()
    {
        var result = _session.Invoke("Get-PostgresReplicationStatus @standby").EnsureSuccess();
        var status = result.Output.Single();
        Assert.Equal("StandbyStatus", status.BaseObject.GetType().Name);
        Assert.Equal("streaming", Failover.Property(status, "ReceiverStatus"));
        Assert.Equal(Pair.Primary.Port, Failover.Property(status, "PrimaryPort"));
        Assert.Equal(true, Failover.Property(status, "PrimaryReachable"));
        Assert.Contains("PostgreSQL answered", (string)Failover.Property(status, "PrimaryProbe")!);
        Assert.NotNull(Failover.Property(status, "ReceiveLsn"));
        Assert.True((TimeSpan)Failover.Property(status, "ReceiveAge")! < TimeSpan.FromMinutes(1));
        // primary_conninfo holds the replication role's password: no property, and no JSON of the object, carries it.
        var password = Pair.Standby.QueryAsync("SELECT substring(current_setting('primary_conninfo') FROM 'password=(\\S+)')", "postgres").Result;
        Assert.NotEmpty(password);
        _session.SetVariable("status", status);
        var json = (string)_session.Invoke("$status | ConvertTo-Json").EnsureSuccess().Output.Single().BaseObject;
        Assert.DoesNotContain(password, json);
    }

    [Fact]
    public async Task PromotionIsRefusedOnAPrimary()
    {
        var result = _session.Invoke("Invoke-PostgresPromotion @primary -Force -Confirm:$false");
        Assert.StartsWith("PromotionNotAStandby", result.SingleError().FullyQualifiedErrorId);
        var refused = result.Output.Single();
        Assert.Equal(false, Failover.Property(refused, "Promoted"));
        Assert.Equal(false, Failover.Property(refused, "WasInRecovery"));
        Assert.Contains("not in recovery", (string)Failover.Property(refused, "Reason")!);
        Assert.False(await Failover.InRecoveryAsync(Pair.Primary));
        Assert.True(await Failover.InRecoveryAsync(Pair.Standby));
    }

    [Fact]
    public async Task PromotionOfAStandbyStalerThanTheLimitIsRefusedAndWhatIfPromotesNothing()
    {
        var stale = _session.Invoke("Invoke-PostgresPromotion @standby -MaximumReceiveAge 00:00:00.001 -Confirm:$false");
        Assert.StartsWith("PromotionStandbyStale", stale.SingleError().FullyQualifiedErrorId);
        Assert.Contains("-Force", stale.SingleError().ToString());

        var whatIf = _session.Invoke("Invoke-PostgresPromotion @standby -WhatIf").EnsureSuccess();
        Assert.Empty(whatIf.Output);
        Assert.True(await Failover.InRecoveryAsync(Pair.Standby));
    }

    [Fact]
    public async Task UnplannedFailoverIsRefusedWhileThePrimaryAnswers()
    {
        using var environment = new FailoverEnvironment(Pair);
        var result = _session.InvokeFile(Failover.UnplannedRunbook, environment.RunbookParameters());
        Assert.StartsWith("PrimaryStillAnswers", result.SingleError().FullyQualifiedErrorId);
        Assert.Empty(result.Output);
        Assert.True(await Failover.InRecoveryAsync(Pair.Standby));
    }

    [Fact]
    public async Task PlannedSwitchoverAndPromotionAreRefusedWhileTheStandbyIsMoreThanTheThresholdBehind()
    {
        using var environment = new FailoverEnvironment(Pair);
        await using (await Pair.FallBehindAsync(1024 * 1024))
        {
            var switchover = _session.InvokeFile(Failover.SwitchoverRunbook, environment.RunbookParameters());
            var error = switchover.SingleError();
            Assert.StartsWith("SwitchoverLagTooHigh", error.FullyQualifiedErrorId);
            Assert.Contains("replay is paused", error.ToString());
            Assert.Empty(switchover.Output);

            var promotion = _session.Invoke("Invoke-PostgresPromotion -Environment (Get-OpsEnvironment failover -Path $args[0]) -DatabaseServer standby -Confirm:$false",
                environment.Directory);
            Assert.StartsWith("PromotionLagTooHigh", Assert.Single(promotion.Errors).FullyQualifiedErrorId);
            Assert.True(await Failover.InRecoveryAsync(Pair.Standby));
        }
    }

    private const long MiB = 1024 * 1024;

    /// <summary>Test-PostgresHealth with these parameters.</summary>
    private HealthView Health(string parameters, params object?[] arguments) =>
        new(_session.Invoke("Test-PostgresHealth " + parameters, arguments).EnsureSuccess().Output.Single());

    /// <summary>How Test-PostgresHealth names the pair's standby on the primary: its application_name and address.</summary>
    private async Task<string> StandbyNameAsync() =>
        await Pair.Primary.QueryAsync("SELECT application_name || ' ' || host(client_addr) FROM pg_stat_replication", "postgres");

    [Fact]
    public async Task HealthOnThePrimaryListsTheCaughtUpStandbyWithItsLagAndIsHealthy()
    {
        await Pair.WriteAndWaitForReplayAsync();
        // The primary learns what the standby replayed from the standby's next status message, at most 10 s later.
        var written = await Pair.Primary.QueryAsync("SELECT pg_current_wal_lsn()", "postgres");
        await Eventually.WaitForAsync(async () => await Pair.Primary.QueryAsync($"SELECT count(*) FROM pg_stat_replication WHERE replay_lsn >= '{written}'", "postgres") == "1",
            "the primary to see the standby replay its last write", TimeSpan.FromSeconds(30));

        var health = Health("@primary");
        Assert.True(health.Status == "Healthy" && health.Reason.StartsWith("PostgreSQL 15.", StringComparison.Ordinal) && health.Reason.Contains(" primary, ", StringComparison.Ordinal),
            health.ToString());
        Assert.Equal(false, health.Measured["InRecovery"]);
        Assert.Equal(1, Convert.ToInt32(health.Measured["Standbys"]));
        Assert.InRange(Convert.ToInt64(health.Measured[$"LagBytes[{await StandbyNameAsync()}]"]), 0, MiB - 1);
    }

    [Fact]
    public async Task HealthOnBothIsDegradedOrUnhealthyByTheLagThresholdsWhileTheStandbyDoesNotReplay()
    {
        var name = await StandbyNameAsync();
        await using (await Pair.FallBehindAsync(MiB))
        {
            var seen = long.Parse(await Pair.Primary.QueryAsync("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication", "postgres"));

            var degraded = Health("@primary");
            var lag = Convert.ToInt64(degraded.Measured[$"LagBytes[{name}]"]);
            // Replay stands still while the primary's position only moves on: in bytes, the lag is at least what was seen.
            Assert.InRange(lag, seen, 100 * MiB - 1);
            var lagText = (lag / (double)MiB).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(degraded.Status == "Degraded"
                && degraded.Reason.Contains($"standby {name} (streaming) replays {lagText} MiB behind the primary (Degraded from 1 MiB)", StringComparison.Ordinal),
                degraded.ToString());

            var unhealthy = Health("@primary -UnhealthyLagBytes $args[0]", 2 * MiB);
            Assert.True(unhealthy.Status == "Unhealthy" && Regex.IsMatch(unhealthy.Reason, $@"standby {Regex.Escape(name)} \(streaming\) replays [0-9.]+ MiB behind the primary \(Unhealthy from 2 MiB\)"),
                unhealthy.ToString());
            Assert.Equal("Healthy", Health("@primary -DegradedLagBytes $args[0] -UnhealthyLagBytes $args[0]", 100 * MiB).Status);

            var standby = Health("@standby");
            Assert.Equal(true, standby.Measured["InRecovery"]);
            Assert.Equal("streaming", standby.Measured["WalReceiver"]);
            Assert.Equal(true, standby.Measured["ReplayPaused"]);
            var unreplayed = Convert.ToInt64(standby.Measured["ReplayLagBytes"]);
            Assert.InRange(unreplayed, MiB + 1, 100 * MiB - 1);
            var unreplayedText = (unreplayed / (double)MiB).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(standby.Status == "Degraded"
                && standby.Reason.Contains($"this standby has received {unreplayedText} MiB of WAL it has not replayed (Degraded from 1 MiB)", StringComparison.Ordinal),
                standby.ToString());
        }
    }

    [Fact]
    public async Task HealthOnTheStandbySaysItIsInRecoveryAndStreamsCaughtUp()
    {
        await Pair.WriteAndWaitForReplayAsync();
        using var environment = new FailoverEnvironment(Pair);

        var health = Health("-Environment (Get-OpsEnvironment failover -Path $args[0]) -DatabaseServer standby", environment.Directory);
        Assert.Equal($"standby ({Pair.Standby.Host}:{Pair.Standby.Port})", health.Target);
        Assert.True(health.Status == "Healthy" && health.Reason.StartsWith("PostgreSQL 15.", StringComparison.Ordinal) && health.Reason.Contains(" standby, ", StringComparison.Ordinal),
            health.ToString());
        Assert.Equal(true, health.Measured["InRecovery"]);
        Assert.Equal("streaming", health.Measured["WalReceiver"]);
        Assert.InRange(Convert.ToInt64(health.Measured["ReplayLagBytes"]), 0, MiB - 1);
        Assert.InRange(Convert.ToDouble(health.Measured["SecondsSinceReplay"]), 0, 60);
        Assert.False(health.Measured.Contains("Standbys"), "a standby lists no standbys of its own");
    }

    [Fact]
    public async Task HealthOnAStandbyWhoseReplayIsPausedIsDegradedSayingSoUntilItIsResumed()
    {
        await Pair.WriteAndWaitForReplayAsync();
        await using (await Pair.PauseReplayAsync())
        {
            var paused = Health("@standby");
            Assert.Equal(true, paused.Measured["ReplayPaused"]);
            Assert.True(paused.Status == "Degraded" && paused.Reason.Contains("WAL replay is paused on this standby (SELECT pg_wal_replay_resume() resumes it)", StringComparison.Ordinal),
                paused.ToString());
        }
        var resumed = Health("@standby");
        Assert.Equal(false, resumed.Measured["ReplayPaused"]);
        Assert.True(resumed.Status == "Healthy", resumed.ToString());
    }

    [Fact]
    public async Task HealthWithAMinimumOfStandbysCountsThoseStreamingAndIsUnhealthyWithFewer()
    {
        await Pair.WriteAndWaitForReplayAsync();
        var primary = Health("@primary -MinimumStandbys 1");
        Assert.Equal(1, Convert.ToInt32(primary.Measured["StreamingStandbys"]));
        Assert.True(primary.Status == "Healthy", primary.ToString());

        var oneShort = Health("@primary -MinimumStandbys 2");
        Assert.True(oneShort.Status == "Unhealthy" && oneShort.Reason.Contains("1 standby streams WAL from this server, expected at least 2", StringComparison.Ordinal),
            oneShort.ToString());

        // The standby has no standbys of its own (none cascade from it): a server that has lost its only one looks the same.
        var standby = Health("@standby -MinimumStandbys 1");
        Assert.Equal(0, Convert.ToInt32(standby.Measured["StreamingStandbys"]));
        Assert.True(standby.Status == "Unhealthy" && standby.Reason.Contains("0 standbys stream WAL from this server, expected at least 1", StringComparison.Ordinal),
            standby.ToString());
    }

    [Fact]
    public async Task HealthJudgesTheCacheHitRatioOnlyOnceTheMinimumSampleHasBeenRead()
    {
        await Pair.WriteAndWaitForReplayAsync();
        // Every server reads its catalogs from disk once, so its ratio is under 100 %.
        var judged = Health("@standby -MinimumCacheHitPercent 100 -MinimumCacheSample 0");
        var percent = Convert.ToDouble(judged.Measured["CacheHitPercent"]);
        Assert.InRange(percent, 0, 99.99);
        Assert.True(judged.Status == "Degraded" && Regex.IsMatch(judged.Reason, @"the cache hit ratio is [0-9.]+ %, under 100 %: reads go to disk"), judged.ToString());

        var notYet = Health("@standby -MinimumCacheHitPercent 100 -MinimumCacheSample $args[0]", int.MaxValue);
        var sample = Convert.ToInt64(notYet.Measured["CacheSampleBlocks"]);
        Assert.InRange(sample, 1, int.MaxValue - 1);
        Assert.True(notYet.Status == "Healthy"
            && Regex.IsMatch(notYet.Reason, $@" standby, .*; the cache hit ratio \([0-9.]+ %\) is not judged yet: {sample.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} blocks read, fewer than 2,147,483,647$"),
            notYet.ToString());
    }

    [Fact]
    public void TheDefaultViewsFit80ColumnsAndShowWhatExplainsEachRow()
    {
        var views = new (string Script, Func<PSObject, string> Explaining)[]
        {
            ("Get-PostgresReplicationStatus @primary", o => (string)Failover.Property(o, "State")!),
            ("Get-PostgresReplicationStatus @standby", o => (string)Failover.Property(o, "PrimaryProbe")!),
            ("Invoke-PostgresPromotion @primary -Confirm:$false -ErrorAction SilentlyContinue", o => (string)Failover.Property(o, "Reason")!),
        };
        foreach (var (script, explaining) in views)
        {
            var objects = _session.Invoke(script).Output;
            Assert.NotEmpty(objects);
            _session.SetVariable("objects", objects);
            var text = (string)_session.Invoke("$objects | Out-String -Width 80").EnsureSuccess().Output.Single().BaseObject;
            Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, $"wider than 80 columns:\n{text}"));
            var flat = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
            foreach (var o in objects)
                Assert.Contains(string.Concat(explaining(o).Where(c => !char.IsWhiteSpace(c))), flat);
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>Failovers that promote a standby for real: each on a fresh pair, since promotion is one-way.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task TheUnplannedFailoverPromotesTheStandbyAfterThePrimaryStopsAndItAcceptsWrites()
    {
        await using var pair = await ReplicationPair.StartAsync();
        using var environment = new FailoverEnvironment(pair);
        using var session = Failover.Session(pair);
        var lastWrite = await pair.WriteAndWaitForReplayAsync();
        await pair.Primary.StopAsync();

        var before = session.Invoke("Get-PostgresReplicationStatus @standby").EnsureSuccess().Output.Single();
        Assert.Equal(false, Failover.Property(before, "PrimaryReachable"));
        Assert.Contains("connection refused", (string)Failover.Property(before, "PrimaryProbe")!);

        var result = session.InvokeFile(Failover.UnplannedRunbook, environment.RunbookParameters()).EnsureSuccess();
        var report = result.Output.Single();
        Assert.Equal(true, Failover.Property(report, "Promoted"));
        var toPromote = (TimeSpan)Failover.Property(report, "TimeToPromote")!;
        var toWrite = (TimeSpan)Failover.Property(report, "TimeToFirstWrite")!;
        Assert.True(toPromote > TimeSpan.Zero && toWrite >= toPromote, $"{toPromote} then {toWrite}");
        Assert.Contains("refused connections", (string)Failover.Property(report, "PrimaryCheck")!);
        var promotion = (PSObject)Failover.Property(report, "Promotion")!;
        Assert.Equal(true, Failover.Property(promotion, "WasInRecovery"));
        Assert.Equal("opsrunbooks_failover_check id 1", Failover.Property(promotion, "WriteCheck"));

        Assert.False(await Failover.InRecoveryAsync(pair.Standby));
        Assert.Equal("1", await pair.Standby.QueryAsync($"SELECT count(*) FROM replication_marker WHERE value = '{lastWrite}'", "postgres"));
        Assert.Equal("1", await pair.Standby.QueryAsync("SELECT count(*) FROM opsrunbooks_failover_check", "postgres"));
        await pair.Standby.QueryAsync("INSERT INTO replication_marker VALUES ('after failover')", "postgres");

        var entry = Assert.Single(File.ReadAllLines(environment.JournalPath), line => line.Contains("\"PostgresPromotion\"", StringComparison.Ordinal));
        Assert.Contains("\"Succeeded\"", entry);
        Assert.Contains("TimeToFirstWriteSeconds", entry);
    }

    [Fact]
    public async Task ThePlannedSwitchoverPromotesACaughtUpStandby()
    {
        await using var pair = await ReplicationPair.StartAsync();
        using var environment = new FailoverEnvironment(pair);
        using var session = Failover.Session(pair);

        var report = session.InvokeFile(Failover.SwitchoverRunbook, environment.RunbookParameters()).EnsureSuccess().Output.Single();

        Assert.Equal(true, Failover.Property(report, "Promoted"));
        Assert.Equal("Planned", Failover.Property(report, "Kind"));
        Assert.True((long)Failover.Property(report, "LagBytes")! <= 1024 * 1024);
        Assert.False(await Failover.InRecoveryAsync(pair.Standby));
        await pair.Standby.QueryAsync("INSERT INTO replication_marker VALUES ('after switchover')", "postgres");
    }
}
