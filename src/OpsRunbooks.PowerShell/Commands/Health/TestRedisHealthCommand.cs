using System.Management.Automation;
using OpsRunbooks.Health;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Checks a Redis server: PING latency, used memory against maxmemory, connected clients, rejected connections.</summary>
[Cmdlet(VerbsDiagnostic.Test, "RedisHealth")]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestRedisHealthCommand : HealthCommand
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Redis { get; set; } = [];

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(0, 15_999)]
    public int RedisDatabase { get; set; }

    [Parameter]
    public TimeSpan MaximumLatency { get; set; } = RedisHealthOptions.DefaultMaximumLatency;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double MemoryDegradedPercent { get; set; } = RedisHealthOptions.DefaultMemoryDegradedPercent;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double MemoryUnhealthyPercent { get; set; } = RedisHealthOptions.DefaultMemoryUnhealthyPercent;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double ClientsDegradedPercent { get; set; } = RedisHealthOptions.DefaultClientsDegradedPercent;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double ClientsUnhealthyPercent { get; set; } = RedisHealthOptions.DefaultClientsUnhealthyPercent;

    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long MaximumRejectedConnections { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var server in Redis)
        {
            WriteCheck(() => new RedisHealthCheck(new RedisHealthOptions(server)
            {
                Database = RedisDatabase,
                Credential = Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential(),
                MaximumLatency = MaximumLatency,
                MemoryDegradedPercent = MemoryDegradedPercent,
                MemoryUnhealthyPercent = MemoryUnhealthyPercent,
                ClientsDegradedPercent = ClientsDegradedPercent,
                ClientsUnhealthyPercent = ClientsUnhealthyPercent,
                MaximumRejectedConnections = MaximumRejectedConnections,
                Timeout = Timeout,
            }));
        }
    }
}
