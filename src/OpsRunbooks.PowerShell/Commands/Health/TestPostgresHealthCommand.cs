using System.Management.Automation;
using OpsRunbooks.Health;
using OpsRunbooks.PowerShell.Commands.PostgresOperations;

namespace OpsRunbooks.PowerShell.Commands.Health;

/// <summary>Checks a PostgreSQL server: reachable, connections, long queries, idle transactions, replication and standbys, cache, wraparound.</summary>
[Cmdlet(VerbsDiagnostic.Test, "PostgresHealth", DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(HealthCheckResult))]
public sealed class TestPostgresHealthCommand : PostgresServerCommand
{
    [Parameter]
    [ValidateRange(0d, 100d)]
    public double DegradedConnectionPercent { get; set; } = PostgresHealthThresholds.DefaultDegradedConnectionPercent;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double UnhealthyConnectionPercent { get; set; } = PostgresHealthThresholds.DefaultUnhealthyConnectionPercent;

    [Parameter]
    public TimeSpan DegradedQueryDuration { get; set; } = PostgresHealthThresholds.DefaultDegradedQueryDuration;

    [Parameter]
    public TimeSpan UnhealthyQueryDuration { get; set; } = PostgresHealthThresholds.DefaultUnhealthyQueryDuration;

    [Parameter]
    public TimeSpan IdleInTransactionDuration { get; set; } = PostgresHealthThresholds.DefaultIdleInTransactionDuration;

    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long DegradedLagBytes { get; set; } = PostgresHealthThresholds.DefaultDegradedLagBytes;

    [Parameter]
    [ValidateRange(0L, long.MaxValue)]
    public long UnhealthyLagBytes { get; set; } = PostgresHealthThresholds.DefaultUnhealthyLagBytes;

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MinimumStandbys { get; set; } = PostgresHealthThresholds.DefaultMinimumStandbys;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double MinimumCacheHitPercent { get; set; } = PostgresHealthThresholds.DefaultMinimumCacheHitPercent;

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MinimumCacheSample { get; set; } = PostgresHealthThresholds.DefaultMinimumCacheSample;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double DegradedWraparoundPercent { get; set; } = PostgresHealthThresholds.DefaultDegradedWraparoundPercent;

    [Parameter]
    [ValidateRange(0d, 100d)]
    public double UnhealthyWraparoundPercent { get; set; } = PostgresHealthThresholds.DefaultUnhealthyWraparoundPercent;

    /// <summary>How long the whole check may take; past it the server is Unhealthy.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = HealthCheck.DefaultTimeout;

    protected override void ProcessRecord()
    {
        var target = ResolveServer();
        TryRun(() =>
        {
            var thresholds = new PostgresHealthThresholds
            {
                DegradedConnectionPercent = DegradedConnectionPercent,
                UnhealthyConnectionPercent = UnhealthyConnectionPercent,
                DegradedQueryDuration = DegradedQueryDuration,
                UnhealthyQueryDuration = UnhealthyQueryDuration,
                IdleInTransactionDuration = IdleInTransactionDuration,
                DegradedLagBytes = DegradedLagBytes,
                UnhealthyLagBytes = UnhealthyLagBytes,
                MinimumStandbys = MinimumStandbys,
                MinimumCacheHitPercent = MinimumCacheHitPercent,
                MinimumCacheSample = MinimumCacheSample,
                DegradedWraparoundPercent = DegradedWraparoundPercent,
                UnhealthyWraparoundPercent = UnhealthyWraparoundPercent,
            };
            var check = new PostgresHealthCheck(target, thresholds, Timeout, Environment is null ? null : DatabaseServer);
            WriteObject(Run(check.RunAsync));
        });
    }
}
