using System.Collections.Specialized;
using System.Globalization;

namespace OpsRunbooks.Health;

/// <summary>
/// What a check gathers while it runs: the values it measured, the thresholds it held them against, and each
/// finding that makes the target Degraded or Unhealthy. The result's status is the worst finding, its reason the
/// findings in the order found (or the check's summary when there is none), then any notes.
/// </summary>
public sealed class HealthFindings
{
    private readonly List<(HealthStatus Status, string Reason)> _findings = [];
    private readonly List<string> _notes = [];

    public OrderedDictionary Measured { get; } = new(StringComparer.Ordinal);
    public OrderedDictionary Thresholds { get; } = new(StringComparer.Ordinal);

    /// <summary>What a Healthy result says it saw ("HTTP 200 in 35 ms"); findings replace it.</summary>
    public string? Summary { get; set; }

    public HealthStatus Status => _findings.Select(f => f.Status).DefaultIfEmpty(HealthStatus.Healthy).Max();

    public void Measure(string name, object? value) => Measured[name] = value;

    public void Threshold(string name, object? value) => Thresholds[name] = value;

    public void Degraded(string reason) => _findings.Add((HealthStatus.Degraded, reason));

    public void Unhealthy(string reason) => _findings.Add((HealthStatus.Unhealthy, reason));

    /// <summary>
    /// Something measured but not judged (a ratio over too few samples), which changes no status: the reason ends with
    /// it whatever the status, so that a reader does not take the value for one that passed.
    /// </summary>
    public void Note(string remark) => _notes.Add(remark);

    public void Add(HealthStatus status, string reason)
    {
        if (status != HealthStatus.Healthy) _findings.Add((status, reason));
    }

    /// <summary>
    /// Grades a value where higher is worse (latency, used percent): Degraded from <paramref name="degradedFrom"/>,
    /// Unhealthy from <paramref name="unhealthyFrom"/>; a null limit is not checked.
    /// </summary>
    public static HealthStatus GradeRising(double value, double? degradedFrom, double? unhealthyFrom) =>
        value >= unhealthyFrom ? HealthStatus.Unhealthy : value >= degradedFrom ? HealthStatus.Degraded : HealthStatus.Healthy;

    /// <summary>Grades a value where lower is worse (free percent, days to expiry): Degraded under one limit, Unhealthy under the other.</summary>
    public static HealthStatus GradeFalling(double value, double? degradedUnder, double? unhealthyUnder) =>
        value < unhealthyUnder ? HealthStatus.Unhealthy : value < degradedUnder ? HealthStatus.Degraded : HealthStatus.Healthy;

    public HealthCheckResult ToResult(string check, string target, TimeSpan duration, DateTime checkedAt) => new()
    {
        Check = check,
        Target = target,
        Status = Status,
        Reason = string.Join("; ", [
            .. _findings.Count > 0 ? _findings.Select(f => f.Reason) : [Summary ?? "within every threshold"],
            .. _notes]),
        Measured = Measured.AsReadOnly(),
        Thresholds = Thresholds.AsReadOnly(),
        Duration = duration,
        CheckedAt = checkedAt,
    };

    /// <summary>Text in the invariant culture, for reasons.</summary>
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
