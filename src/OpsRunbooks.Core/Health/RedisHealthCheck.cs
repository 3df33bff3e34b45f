using System.Diagnostics;
using System.Net;
using OpsRunbooks.Environments;
using OpsRunbooks.Redis;

namespace OpsRunbooks.Health;

/// <summary>
/// What a Redis server must do: answer PING within <see cref="MaximumLatency"/>, keep used memory below its shares of
/// maxmemory and connected clients below their shares of maxclients, and have rejected no more connections than
/// <see cref="MaximumRejectedConnections"/> since it started.
/// </summary>
public sealed record RedisHealthOptions(string Server) : IHealthCheckDefinition
{
    public static readonly TimeSpan DefaultMaximumLatency = TimeSpan.FromMilliseconds(100);
    public const double DefaultMemoryDegradedPercent = 80;
    public const double DefaultMemoryUnhealthyPercent = 95;
    public const double DefaultClientsDegradedPercent = 80;
    public const double DefaultClientsUnhealthyPercent = 95;

    public int Database { get; init; }

    /// <summary>The login given directly (-Credential); null to use <see cref="User"/> and <see cref="Password"/>.</summary>
    public NetworkCredential? Credential { get; init; }

    public string? User { get; init; }

    /// <summary>The password as an environment file's reference, resolved when the check runs.</summary>
    public SecretReference? Password { get; init; }

    public TimeSpan MaximumLatency { get; init; } = DefaultMaximumLatency;
    public double MemoryDegradedPercent { get; init; } = DefaultMemoryDegradedPercent;
    public double MemoryUnhealthyPercent { get; init; } = DefaultMemoryUnhealthyPercent;
    public double ClientsDegradedPercent { get; init; } = DefaultClientsDegradedPercent;
    public double ClientsUnhealthyPercent { get; init; } = DefaultClientsUnhealthyPercent;
    public long MaximumRejectedConnections { get; init; }
    public TimeSpan? Timeout { get; init; }

    public HealthCheck Create(OpsEnvironment environment) => new RedisHealthCheck(this);

    /// <summary>The server to connect to, the password resolved now.</summary>
    public RedisEndpoint ResolveEndpoint() => RedisEndpoint.Parse(Server, Database,
        Credential ?? (Password is null && User is null ? null : new NetworkCredential(User ?? "", Password?.Resolve() ?? "")));

    public override string ToString() => $"Redis {Server}";
}

public sealed class RedisHealthCheck : HealthCheck
{
    public RedisHealthCheck(RedisHealthOptions options) : base(RedisHealthCheckKind.Name, options.Server, options.Timeout)
    {
        Options = options;
        Endpoint = options.ResolveEndpoint();
        if (options.MemoryDegradedPercent > options.MemoryUnhealthyPercent || options.ClientsDegradedPercent > options.ClientsUnhealthyPercent)
            throw new OpsException(HealthErrorIds.HealthThresholdInvalid, FailureKind.InvalidArgument,
                $"The Redis check of {options.Server}: a Degraded percentage must not be above its Unhealthy one.", options.Server);
    }

    public RedisHealthOptions Options { get; }
    public RedisEndpoint Endpoint { get; }

    protected override async Task EvaluateAsync(HealthFindings findings, CancellationToken cancellationToken)
    {
        findings.Threshold("MaximumLatencyMs", Math.Round(Options.MaximumLatency.TotalMilliseconds));
        findings.Threshold("MemoryDegradedPercent", Options.MemoryDegradedPercent);
        findings.Threshold("MemoryUnhealthyPercent", Options.MemoryUnhealthyPercent);
        findings.Threshold("ClientsDegradedPercent", Options.ClientsDegradedPercent);
        findings.Threshold("ClientsUnhealthyPercent", Options.ClientsUnhealthyPercent);
        findings.Threshold("MaximumRejectedConnections", Options.MaximumRejectedConnections);

        await using var connection = await RedisConnection.ConnectAsync(Endpoint, Timeout, cancellationToken).ConfigureAwait(false);
        // The first PING after connecting measures the round trip alone; the client's handshake is over by then.
        var stopwatch = Stopwatch.StartNew();
        await connection.RunAsync(db => db.PingAsync(), cancellationToken).ConfigureAwait(false);
        var latency = stopwatch.Elapsed;
        var info = await connection.InfoAsync(cancellationToken, "server", "memory", "clients", "stats").ConfigureAwait(false);

        var used = RedisConnection.InfoNumber(info, "used_memory") ?? 0;
        var maxMemory = RedisConnection.InfoNumber(info, "maxmemory") ?? 0;
        var clients = RedisConnection.InfoNumber(info, "connected_clients") ?? 0;
        var maxClients = RedisConnection.InfoNumber(info, "maxclients");
        var rejected = RedisConnection.InfoNumber(info, "rejected_connections") ?? 0;
        findings.Measure("LatencyMs", Math.Round(latency.TotalMilliseconds, 1));
        findings.Measure("UsedMemoryBytes", used);
        findings.Measure("MaxMemoryBytes", maxMemory);
        findings.Measure("ConnectedClients", clients);
        if (maxClients is not null) findings.Measure("MaxClients", maxClients);
        findings.Measure("RejectedConnections", rejected);
        if (info.TryGetValue("redis_version", out var version)) findings.Measure("Version", version);

        var summary = HealthFindings.Invariant($"PONG in {Describe(latency)}, {Megabytes(used)} used");
        if (maxMemory > 0)
        {
            var percent = 100d * used / maxMemory;
            findings.Measure("UsedMemoryPercent", Math.Round(percent, 1));
            summary += HealthFindings.Invariant($" ({percent:0.#} % of maxmemory {Megabytes(maxMemory)})");
            findings.Add(HealthFindings.GradeRising(percent, Options.MemoryDegradedPercent, Options.MemoryUnhealthyPercent),
                HealthFindings.Invariant($"used memory at {percent:0.#} % of maxmemory ({Megabytes(used)} of {Megabytes(maxMemory)}): near the limit it evicts keys or refuses writes"));
        }
        summary += HealthFindings.Invariant($", {clients} clients");
        if (maxClients is > 0)
        {
            var percent = 100d * clients / maxClients.Value;
            findings.Measure("ClientsPercent", Math.Round(percent, 1));
            findings.Add(HealthFindings.GradeRising(percent, Options.ClientsDegradedPercent, Options.ClientsUnhealthyPercent),
                HealthFindings.Invariant($"{clients} connected clients, {percent:0.#} % of maxclients {maxClients}"));
        }
        findings.Summary = summary;

        if (latency > Options.MaximumLatency)
            findings.Degraded($"answered PING in {Describe(latency)}, over the maximum latency of {Describe(Options.MaximumLatency)}");
        if (rejected > Options.MaximumRejectedConnections)
            findings.Degraded(HealthFindings.Invariant($"{rejected} connections rejected since the server started (maxclients reached), more than {Options.MaximumRejectedConnections}"));
    }

    protected override string? DescribeFailure(Exception e) => base.DescribeFailure(e)
        ?? (RedisConnection.IsRedisFailure(e) ? RedisConnection.Failure(e, Endpoint).Message : null);

    private static string Megabytes(long bytes) => HealthFindings.Invariant($"{bytes / 1048576d:0.#} MiB");
}

/// <summary>
/// Redis = @( @{ Server = 'cache1:6379'; Database = 0; User = 'ops'; Password = 'env:REDIS_PASSWORD'; MaximumLatency = '00:00:00.100';
/// MemoryDegradedPercent = 80; MemoryUnhealthyPercent = 95; ClientsDegradedPercent = 80; ClientsUnhealthyPercent = 95;
/// MaximumRejectedConnections = 0; Timeout = '00:00:10' } )
/// </summary>
public sealed class RedisHealthCheckKind : HealthCheckKind
{
    public const string Name = "Redis";

    public override string Key => Name;

    public override IReadOnlyCollection<string> Keys { get; } =
    [
        "Server", "Database", "User", "Password", "MaximumLatency", "MemoryDegradedPercent", "MemoryUnhealthyPercent",
        "ClientsDegradedPercent", "ClientsUnhealthyPercent", "MaximumRejectedConnections", "Timeout",
    ];

    public override IHealthCheckDefinition Read(SettingsTable entry)
    {
        var server = entry.RequiredText("Server");
        var database = entry.WholeNumber("Database", 0, 15_999, "a Redis database number (0 and up)") ?? 0;
        try
        {
            RedisEndpoint.Parse(server, database);
        }
        catch (OpsException e)
        {
            throw entry.Invalid("Server", $"'{server}' is not host:port ({e.Message})");
        }
        return new RedisHealthOptions(server)
        {
            Database = database,
            User = entry.Text("User"),
            Password = entry.Secret("Password", "env:REDIS_PASSWORD"),
            MaximumLatency = Duration(entry, "MaximumLatency") ?? RedisHealthOptions.DefaultMaximumLatency,
            MemoryDegradedPercent = Number(entry, "MemoryDegradedPercent", 0, 100) ?? RedisHealthOptions.DefaultMemoryDegradedPercent,
            MemoryUnhealthyPercent = Number(entry, "MemoryUnhealthyPercent", 0, 100) ?? RedisHealthOptions.DefaultMemoryUnhealthyPercent,
            ClientsDegradedPercent = Number(entry, "ClientsDegradedPercent", 0, 100) ?? RedisHealthOptions.DefaultClientsDegradedPercent,
            ClientsUnhealthyPercent = Number(entry, "ClientsUnhealthyPercent", 0, 100) ?? RedisHealthOptions.DefaultClientsUnhealthyPercent,
            MaximumRejectedConnections = entry.WholeNumber("MaximumRejectedConnections", 0, int.MaxValue) ?? 0,
            Timeout = Duration(entry, "Timeout"),
        };
    }
}
