using System.Collections.Specialized;
using System.Globalization;

namespace OpsRunbooks.Health;

/// <summary>How a checked target is doing, from best to worst, so the worst of several results is their maximum.</summary>
public enum HealthStatus
{
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>
/// What one health check found about one target: its status, the reason in words, and the values measured and the
/// thresholds they were held against. <see cref="Measured"/> and <see cref="Thresholds"/> are ordered name → value
/// maps of plain values (numbers, text, true/false), with the unit in the name (LatencyMs, FreePercent), so the
/// result reads the same in a table, in ConvertTo-Json and in the operations log.
/// </summary>
public sealed class HealthCheckResult
{
    /// <summary>The kind of check, as the environment file's Health section names it: Http, Tls, Postgres, Redis, Disk.</summary>
    public required string Check { get; init; }

    /// <summary>What was checked: a URI, host:port, a server, a path (on a host).</summary>
    public required string Target { get; init; }

    public required HealthStatus Status { get; init; }

    /// <summary>Why the status is what it is, in words; for a Healthy target, what was seen.</summary>
    public required string Reason { get; init; }

    public required OrderedDictionary Measured { get; init; }

    public required OrderedDictionary Thresholds { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>When the check started, in UTC.</summary>
    public required DateTime CheckedAt { get; init; }

    /// <summary>The worst status of <paramref name="results"/>; Healthy when there are none.</summary>
    public static HealthStatus Worst(IEnumerable<HealthCheckResult> results) =>
        results.Select(r => r.Status).DefaultIfEmpty(HealthStatus.Healthy).Max();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Check} {Target}: {Status} ({Reason})");
}
