using System.Net;
using Npgsql;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Health;

/// <summary>
/// The limits a PostgreSQL server is held to. Defaults from the seeds: connections Degraded from 80 % of
/// max_connections and Unhealthy from 90 %; queries running over 5 minutes Degraded, over 10 minutes (when the seeds
/// end them) Unhealthy; replication lag Degraded from 1 MiB (the seeds' limit for a switchover) and Unhealthy from
/// 100 MiB (their alert); a cache hit ratio under 95 % Degraded, judged once 10,000 blocks have been read. Sessions idle
/// in a transaction for over 5 minutes are Degraded; transaction ids used towards wraparound are Degraded from 50 % and
/// Unhealthy from 75 %. No standbys are required unless <see cref="MinimumStandbys"/> says how many must stream.
/// </summary>
public sealed record PostgresHealthThresholds
{
    public const double DefaultDegradedConnectionPercent = 80;
    public const double DefaultUnhealthyConnectionPercent = 90;
    public static readonly TimeSpan DefaultDegradedQueryDuration = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultUnhealthyQueryDuration = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultIdleInTransactionDuration = TimeSpan.FromMinutes(5);
    public const long DefaultDegradedLagBytes = 1024 * 1024;
    public const long DefaultUnhealthyLagBytes = 100 * 1024 * 1024;
    public const double DefaultMinimumCacheHitPercent = 95;
    /// <summary>
    /// A freshly started server has read little, much of it the catalogs from disk, so its ratio says nothing yet (a new
    /// streaming standby shows about 93 % over its first 2,000 blocks). Those first reads are a few hundred blocks; at
    /// 95 %, a sample of 10,000 (80 MiB of buffer accesses, seconds of any real load) leaves room for 500 of them.
    /// </summary>
    public const int DefaultMinimumCacheSample = 10_000;
    public const int DefaultMinimumStandbys = 0;
    public const double DefaultDegradedWraparoundPercent = 50;
    public const double DefaultUnhealthyWraparoundPercent = 75;

    public double DegradedConnectionPercent { get; init; } = DefaultDegradedConnectionPercent;
    public double UnhealthyConnectionPercent { get; init; } = DefaultUnhealthyConnectionPercent;
    public TimeSpan DegradedQueryDuration { get; init; } = DefaultDegradedQueryDuration;
    public TimeSpan UnhealthyQueryDuration { get; init; } = DefaultUnhealthyQueryDuration;
    public TimeSpan IdleInTransactionDuration { get; init; } = DefaultIdleInTransactionDuration;
    public long DegradedLagBytes { get; init; } = DefaultDegradedLagBytes;
    public long UnhealthyLagBytes { get; init; } = DefaultUnhealthyLagBytes;
    public double MinimumCacheHitPercent { get; init; } = DefaultMinimumCacheHitPercent;

    /// <summary>The blocks (hits and reads, over all databases) read before the cache hit ratio is judged.</summary>
    public int MinimumCacheSample { get; init; } = DefaultMinimumCacheSample;

    /// <summary>The standbys that must stream WAL from the server (on a standby, cascading ones); fewer is Unhealthy.</summary>
    public int MinimumStandbys { get; init; } = DefaultMinimumStandbys;
    public double DegradedWraparoundPercent { get; init; } = DefaultDegradedWraparoundPercent;
    public double UnhealthyWraparoundPercent { get; init; } = DefaultUnhealthyWraparoundPercent;

    /// <summary>Fails with HealthThresholdInvalid when a Degraded limit lies beyond its Unhealthy one.</summary>
    public void Validate(string target)
    {
        static void Require(bool ok, string problem, string target)
        {
            if (!ok) throw new OpsException(HealthErrorIds.HealthThresholdInvalid, FailureKind.InvalidArgument, problem, target);
        }
        Require(DegradedConnectionPercent <= UnhealthyConnectionPercent,
            $"DegradedConnectionPercent ({DegradedConnectionPercent}) must not be over UnhealthyConnectionPercent ({UnhealthyConnectionPercent}).", target);
        Require(DegradedQueryDuration <= UnhealthyQueryDuration,
            $"DegradedQueryDuration ({DegradedQueryDuration}) must not be longer than UnhealthyQueryDuration ({UnhealthyQueryDuration}).", target);
        Require(DegradedLagBytes <= UnhealthyLagBytes, $"DegradedLagBytes ({DegradedLagBytes}) must not be over UnhealthyLagBytes ({UnhealthyLagBytes}).", target);
        Require(DegradedWraparoundPercent <= UnhealthyWraparoundPercent,
            $"DegradedWraparoundPercent ({DegradedWraparoundPercent}) must not be over UnhealthyWraparoundPercent ({UnhealthyWraparoundPercent}).", target);
    }
}

/// <summary>A Postgres entry of an environment's Health section: a DatabaseServers entry by name and its limits.</summary>
public sealed record PostgresHealthDefinition(string Server, PostgresHealthThresholds Thresholds, TimeSpan? Timeout) : IHealthCheckDefinition
{
    public HealthCheck Create(OpsEnvironment environment) =>
        new PostgresHealthCheck(PostgresHealthCheck.ServerOf(environment, Server), Thresholds, Timeout, Server);

    public override string ToString() => $"Postgres {Server}";
}

/// <summary>
/// A PostgreSQL server's health: reachable and its version, connections against max_connections, long-running queries,
/// sessions idle in a transaction, whether it is in recovery, each standby's lag (on a primary) or its own and whether its
/// replay is paused (on a standby), how many standbys stream from it, the cache hit ratio and the headroom before
/// transaction-id wraparound. Read-only: it runs a few catalog queries.
/// </summary>
public sealed class PostgresHealthCheck : HealthCheck
{
    /// <summary>PostgreSQL refuses new transactions as the oldest unfrozen transaction id's age nears 2^31.</summary>
    private const double WraparoundLimit = 2147483648d;

    private readonly PostgresTarget _server;

    public PostgresHealthCheck(PostgresTarget server, PostgresHealthThresholds thresholds, TimeSpan? timeout, string? serverName = null)
        : base(PostgresHealthCheckKind.Name, serverName is null ? $"{server.Host}:{server.Port}" : $"{serverName} ({server.Host}:{server.Port})", timeout)
    {
        _server = server;
        Thresholds = thresholds;
        thresholds.Validate(Target);
    }

    public PostgresHealthThresholds Thresholds { get; }

    /// <summary>The maintenance database of an environment's DatabaseServers entry, with its password resolved now.</summary>
    public static PostgresTarget ServerOf(OpsEnvironment environment, string name)
    {
        var server = environment.DatabaseServers.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
            ?? throw new OpsException(HealthErrorIds.HealthServerNotInEnvironment, FailureKind.NotFound,
                $"The environment '{environment.Name}' ({environment.SourcePath}) has no DatabaseServers entry '{name}'; it has: {string.Join(", ", environment.DatabaseServers.Select(s => s.Name))}.", name);
        return new PostgresTarget(server.Host, server.Port, "postgres", new NetworkCredential(server.User, server.Password.Resolve()));
    }

    protected override string? DescribeFailure(Exception e) =>
        PostgresConnector.IsPostgresFailure(e) ? PostgresConnector.Failure(e, _server).Message : base.DescribeFailure(e);

    protected override async Task EvaluateAsync(HealthFindings findings, CancellationToken cancellationToken)
    {
        var t = Thresholds;
        findings.Threshold("DegradedConnectionPercent", t.DegradedConnectionPercent);
        findings.Threshold("UnhealthyConnectionPercent", t.UnhealthyConnectionPercent);
        findings.Threshold("DegradedQuerySeconds", t.DegradedQueryDuration.TotalSeconds);
        findings.Threshold("UnhealthyQuerySeconds", t.UnhealthyQueryDuration.TotalSeconds);
        findings.Threshold("IdleInTransactionSeconds", t.IdleInTransactionDuration.TotalSeconds);
        findings.Threshold("DegradedLagBytes", t.DegradedLagBytes);
        findings.Threshold("UnhealthyLagBytes", t.UnhealthyLagBytes);
        findings.Threshold("MinimumStandbys", t.MinimumStandbys);
        findings.Threshold("MinimumCacheHitPercent", t.MinimumCacheHitPercent);
        findings.Threshold("MinimumCacheSampleBlocks", t.MinimumCacheSample);
        findings.Threshold("DegradedWraparoundPercent", t.DegradedWraparoundPercent);
        findings.Threshold("UnhealthyWraparoundPercent", t.UnhealthyWraparoundPercent);

        await using var connection = await PostgresConnector.OpenAsync(_server, cancellationToken).ConfigureAwait(false);
        var server = await ReadServerAsync(connection, cancellationToken).ConfigureAwait(false);
        findings.Measure("Version", server.Version);
        findings.Measure("InRecovery", server.InRecovery);
        CheckConnections(findings, server);
        CheckSessions(findings, await ReadSessionsAsync(connection, cancellationToken).ConfigureAwait(false));
        if (server.InRecovery)
            CheckOwnLag(findings, await ReadOwnLagAsync(connection, cancellationToken).ConfigureAwait(false));
        else
            CheckStandbys(findings, await ReadStandbysAsync(connection, cancellationToken).ConfigureAwait(false));
        CheckStreamingStandbys(findings, server.StreamingStandbys);
        CheckCache(findings, server.CacheHits, server.CacheReads);
        CheckWraparound(findings, server.OldestXidAge);
        findings.Summary = HealthFindings.Invariant(
            $"PostgreSQL {server.Version} {(server.InRecovery ? "standby" : "primary")}, {server.Connections} of {server.MaxConnections} connections");
    }

    private sealed record ServerState(string Version, bool InRecovery, int Connections, int MaxConnections, long CacheHits, long CacheReads,
        long OldestXidAge, int StreamingStandbys);

    private static async Task<ServerState> ReadServerAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT current_setting('server_version'),
                   pg_is_in_recovery(),
                   (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
                   current_setting('max_connections')::int,
                   (SELECT coalesce(sum(blks_hit), 0) FROM pg_stat_database)::bigint,
                   (SELECT coalesce(sum(blks_read), 0) FROM pg_stat_database)::bigint,
                   (SELECT max(age(datfrozenxid)) FROM pg_database)::bigint,
                   (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')::int
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ServerState(reader.GetString(0), reader.GetBoolean(1), reader.GetInt32(2), reader.GetInt32(3),
            reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt32(7));
    }

    private void CheckConnections(HealthFindings findings, ServerState server)
    {
        var percent = server.Connections * 100d / server.MaxConnections;
        findings.Measure("Connections", server.Connections);
        findings.Measure("MaxConnections", server.MaxConnections);
        findings.Measure("ConnectionPercent", Math.Round(percent, 1));
        var status = HealthFindings.GradeRising(percent, Thresholds.DegradedConnectionPercent, Thresholds.UnhealthyConnectionPercent);
        findings.Add(status, HealthFindings.Invariant(
            $"{server.Connections} of {server.MaxConnections} connections in use ({percent:0} %, {(status == HealthStatus.Unhealthy ? "Unhealthy" : "Degraded")} from {(status == HealthStatus.Unhealthy ? Thresholds.UnhealthyConnectionPercent : Thresholds.DegradedConnectionPercent)} %)"));
    }

    private sealed record Session(int Pid, string User, string Database, bool Active, double Seconds);

    /// <summary>The other client sessions running a query or idle in a transaction, with how long they have been so.</summary>
    private static async Task<List<Session>> ReadSessionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT pid, coalesce(usename, ''), coalesce(datname, ''), state = 'active',
                   extract(epoch FROM now() - CASE WHEN state = 'active' THEN query_start ELSE state_change END)::float8
            FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
              AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
            """;
        var sessions = new List<Session>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            sessions.Add(new Session(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), reader.IsDBNull(4) ? 0 : reader.GetDouble(4)));
        return sessions;
    }

    private void CheckSessions(HealthFindings findings, List<Session> sessions)
    {
        var queries = sessions.Where(s => s.Active).OrderByDescending(s => s.Seconds).ToList();
        var longQueries = queries.Where(s => s.Seconds >= Thresholds.DegradedQueryDuration.TotalSeconds).ToList();
        findings.Measure("LongQueries", longQueries.Count);
        findings.Measure("LongestQuerySeconds", queries.Count == 0 ? 0 : Math.Round(queries[0].Seconds, 1));
        if (longQueries.Count > 0)
        {
            var longest = longQueries[0];
            var status = longest.Seconds >= Thresholds.UnhealthyQueryDuration.TotalSeconds ? HealthStatus.Unhealthy : HealthStatus.Degraded;
            findings.Add(status, HealthFindings.Invariant(
                $"{longQueries.Count} {(longQueries.Count == 1 ? "query has" : "queries have")} run longer than {Describe(Thresholds.DegradedQueryDuration)}, the longest {Describe(TimeSpan.FromSeconds(Math.Round(longest.Seconds)))} (pid {longest.Pid}, {longest.User} on {longest.Database}); see Get-PostgresActivity"));
        }

        var idle = sessions.Where(s => !s.Active && s.Seconds >= Thresholds.IdleInTransactionDuration.TotalSeconds).OrderByDescending(s => s.Seconds).ToList();
        findings.Measure("IdleInTransaction", sessions.Count(s => !s.Active));
        findings.Measure("LongIdleInTransaction", idle.Count);
        if (idle.Count > 0)
        {
            findings.Degraded(HealthFindings.Invariant(
                $"{idle.Count} {(idle.Count == 1 ? "session has" : "sessions have")} been idle in a transaction longer than {Describe(Thresholds.IdleInTransactionDuration)}, the longest {Describe(TimeSpan.FromSeconds(Math.Round(idle[0].Seconds)))} (pid {idle[0].Pid}, {idle[0].User} on {idle[0].Database})"));
        }
    }

    internal sealed record Standby(string Name, int Pid, string State, long? LagBytes, double? ReplayLagSeconds);

    /// <summary>
    /// Each standby's name in Measured and the reasons: its application_name and address, which stay the same when it
    /// reconnects. Standbys that share both (the default application_name walreceiver, from one host) would share a
    /// LagBytes entry, so they are told apart by their WAL sender's pid.
    /// </summary>
    internal static List<Standby> Distinct(List<Standby> standbys) =>
        standbys.Select(s => standbys.Count(o => o.Name == s.Name) > 1 ? s with { Name = $"{s.Name} pid {s.Pid}" } : s).ToList();

    private static async Task<List<Standby>> ReadStandbysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT coalesce(nullif(application_name, ''), 'pid ' || pid) || ' ' || coalesce(host(client_addr), 'local'), pid, state,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, extract(epoch FROM replay_lag)::float8
            FROM pg_stat_replication ORDER BY 1, 2
            """;
        var standbys = new List<Standby>();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            standbys.Add(new Standby(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? "unknown" : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
        }
        return Distinct(standbys);
    }

    private void CheckStandbys(HealthFindings findings, List<Standby> standbys)
    {
        findings.Measure("Standbys", standbys.Count);
        foreach (var standby in standbys)
        {
            findings.Measure($"LagBytes[{standby.Name}]", standby.LagBytes);
            if (standby.LagBytes is not { } lag)
            {
                findings.Degraded($"standby {standby.Name} ({standby.State}) has not replayed any WAL yet");
                continue;
            }
            GradeLag(findings, lag, $"standby {standby.Name} ({standby.State}) replays {Bytes(lag)} behind the primary");
        }
    }

    /// <summary>
    /// A standby that disconnects leaves pg_stat_replication, so only a count held to a minimum notices it is gone. Fewer
    /// is Unhealthy: a missing standby is no failover target at all, worse than one past UnhealthyLagBytes.
    /// </summary>
    private void CheckStreamingStandbys(HealthFindings findings, int streaming)
    {
        findings.Measure("StreamingStandbys", streaming);
        if (streaming < Thresholds.MinimumStandbys)
            findings.Unhealthy(HealthFindings.Invariant(
                $"{streaming} {(streaming == 1 ? "standby streams" : "standbys stream")} WAL from this server, expected at least {Thresholds.MinimumStandbys}"));
    }

    private sealed record OwnLag(long? LagBytes, double? SecondsSinceReplay, string? ReceiverStatus, bool ReplayPaused);

    private static async Task<OwnLag> ReadOwnLagAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
                   extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
                   (SELECT status FROM pg_stat_wal_receiver),
                   pg_is_wal_replay_paused()
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new OwnLag(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDouble(1),
            reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3));
    }

    private void CheckOwnLag(HealthFindings findings, OwnLag own)
    {
        findings.Measure("ReplayLagBytes", own.LagBytes);
        findings.Measure("SecondsSinceReplay", own.SecondsSinceReplay is { } seconds ? Math.Round(seconds, 1) : null);
        findings.Measure("WalReceiver", own.ReceiverStatus ?? "none");
        findings.Measure("ReplayPaused", own.ReplayPaused);
        if (own.ReceiverStatus != "streaming")
            findings.Degraded($"this standby is not streaming WAL from its primary (WAL receiver: {own.ReceiverStatus ?? "none"})");
        // Degraded, not Unhealthy: an operator may pause replay on purpose (to read a consistent snapshot, to stop a
        // bad change reaching the standby); the lag it builds is graded by its own limits.
        if (own.ReplayPaused)
            findings.Degraded("WAL replay is paused on this standby (SELECT pg_wal_replay_resume() resumes it)");
        if (own.LagBytes is { } lag)
            GradeLag(findings, lag, $"this standby has received {Bytes(lag)} of WAL it has not replayed");
    }

    private void GradeLag(HealthFindings findings, long lag, string what)
    {
        var status = HealthFindings.GradeRising(lag, Thresholds.DegradedLagBytes, Thresholds.UnhealthyLagBytes);
        findings.Add(status, $"{what} ({(status == HealthStatus.Unhealthy ? "Unhealthy" : "Degraded")} from {Bytes(status == HealthStatus.Unhealthy ? Thresholds.UnhealthyLagBytes : Thresholds.DegradedLagBytes)})");
    }

    private void CheckCache(HealthFindings findings, long hits, long reads)
    {
        var sample = hits + reads;
        double? percent = sample == 0 ? null : hits * 100d / sample;
        findings.Measure("CacheHitPercent", percent is { } p ? Math.Round(p, 2) : null);
        findings.Measure("CacheSampleBlocks", sample);
        if (sample < Thresholds.MinimumCacheSample)
        {
            var ratio = percent is { } r ? HealthFindings.Invariant($"{r:0.0} %") : "none";
            findings.Note(HealthFindings.Invariant(
                $"the cache hit ratio ({ratio}) is not judged yet: {sample:N0} blocks read, fewer than {Thresholds.MinimumCacheSample:N0}"));
        }
        else if (percent < Thresholds.MinimumCacheHitPercent)
            findings.Degraded(HealthFindings.Invariant($"the cache hit ratio is {percent:0.0} %, under {Thresholds.MinimumCacheHitPercent} %: reads go to disk"));
    }

    private void CheckWraparound(HealthFindings findings, long oldestXidAge)
    {
        var percent = oldestXidAge / WraparoundLimit * 100;
        findings.Measure("OldestXidAge", oldestXidAge);
        findings.Measure("WraparoundPercent", Math.Round(percent, 2));
        var status = HealthFindings.GradeRising(percent, Thresholds.DegradedWraparoundPercent, Thresholds.UnhealthyWraparoundPercent);
        findings.Add(status, HealthFindings.Invariant(
            $"the oldest unfrozen transaction id is {oldestXidAge:N0} transactions old, {percent:0.#} % of the way to wraparound: VACUUM (FREEZE) the oldest databases"));
    }

    private static string Bytes(long bytes) => bytes >= 1024 * 1024
        ? HealthFindings.Invariant($"{bytes / 1024d / 1024:0.#} MiB")
        : HealthFindings.Invariant($"{bytes:N0} bytes");
}

/// <summary>Postgres = @( @{ Server = 'primary'; DegradedConnectionPercent = 80; UnhealthyQueryDuration = '00:10:00'; ... } )</summary>
public sealed class PostgresHealthCheckKind : HealthCheckKind
{
    public const string Name = "Postgres";

    public override string Key => Name;

    public override IReadOnlyCollection<string> Keys { get; } =
    [
        "Server", "DegradedConnectionPercent", "UnhealthyConnectionPercent", "DegradedQueryDuration", "UnhealthyQueryDuration",
        "IdleInTransactionDuration", "DegradedLagBytes", "UnhealthyLagBytes", "MinimumStandbys", "MinimumCacheHitPercent",
        "MinimumCacheSample", "DegradedWraparoundPercent", "UnhealthyWraparoundPercent", "Timeout",
    ];

    public override IHealthCheckDefinition Read(SettingsTable entry)
    {
        var defaults = new PostgresHealthThresholds();
        var thresholds = new PostgresHealthThresholds
        {
            DegradedConnectionPercent = Number(entry, "DegradedConnectionPercent", 0, 100) ?? defaults.DegradedConnectionPercent,
            UnhealthyConnectionPercent = Number(entry, "UnhealthyConnectionPercent", 0, 100) ?? defaults.UnhealthyConnectionPercent,
            DegradedQueryDuration = Duration(entry, "DegradedQueryDuration") ?? defaults.DegradedQueryDuration,
            UnhealthyQueryDuration = Duration(entry, "UnhealthyQueryDuration") ?? defaults.UnhealthyQueryDuration,
            IdleInTransactionDuration = Duration(entry, "IdleInTransactionDuration") ?? defaults.IdleInTransactionDuration,
            DegradedLagBytes = (long?)Number(entry, "DegradedLagBytes", 0, long.MaxValue) ?? defaults.DegradedLagBytes,
            UnhealthyLagBytes = (long?)Number(entry, "UnhealthyLagBytes", 0, long.MaxValue) ?? defaults.UnhealthyLagBytes,
            MinimumStandbys = entry.WholeNumber("MinimumStandbys", 0, int.MaxValue) ?? defaults.MinimumStandbys,
            MinimumCacheHitPercent = Number(entry, "MinimumCacheHitPercent", 0, 100) ?? defaults.MinimumCacheHitPercent,
            MinimumCacheSample = entry.WholeNumber("MinimumCacheSample", 0, int.MaxValue) ?? defaults.MinimumCacheSample,
            DegradedWraparoundPercent = Number(entry, "DegradedWraparoundPercent", 0, 100) ?? defaults.DegradedWraparoundPercent,
            UnhealthyWraparoundPercent = Number(entry, "UnhealthyWraparoundPercent", 0, 100) ?? defaults.UnhealthyWraparoundPercent,
        };
        try
        {
            thresholds.Validate(entry.Path);
        }
        catch (OpsException e)
        {
            throw entry.Invalid(e.Message.TrimEnd('.'));
        }
        return new PostgresHealthDefinition(entry.RequiredText("Server"), thresholds, Duration(entry, "Timeout"));
    }
}
