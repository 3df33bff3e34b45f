using System.Globalization;

namespace OpsRunbooks.Scaling.Recommendation;

/// <summary>What decided a recommendation's count before any limit capped it.</summary>
public enum ScaleRule
{
    /// <summary>The seed's formula: ceil(pending / target wait minutes / jobs per worker per minute).</summary>
    Formula,

    /// <summary>The oldest job has waited longer than the target: no scale-down, and at least one step up.</summary>
    WaitTime,

    /// <summary>The wanted count is within the tolerance of the current one: no change.</summary>
    Tolerance,

    /// <summary>A higher recommendation within the scale-down stabilisation window held the count up.</summary>
    Stabilization,
}

/// <summary>A limit that lowered (or, for Minimum, raised) the count the rule decided.</summary>
public enum ScaleLimit
{
    MaxStepUp,
    MaxStepDown,
    Maximum,
    Minimum,
    DatabaseConnections,
}

/// <summary>Jobs waiting, the oldest one's wait and the current worker count: what a decision is made on.</summary>
public sealed record ScaleObservation
{
    public required long Pending { get; init; }
    public TimeSpan? OldestPendingAge { get; init; }
    public required int Current { get; init; }

    /// <summary>The PostgreSQL server's free connections, when the workers' use of them is to be guarded.</summary>
    public ConnectionCapacity? Database { get; init; }

    /// <summary>The queue server's memory, when it is to be watched.</summary>
    public RedisMemory? Redis { get; init; }
}

/// <summary>
/// A PostgreSQL server's connections: <c>max_connections</c>, those in use, those kept back (the server's reserved
/// slots plus a reserve of the operator's), and how many one worker opens.
/// </summary>
public sealed record ConnectionCapacity(string Server, int MaxConnections, int InUse, int Reserved, int PerWorker)
{
    public int Free => Math.Max(0, MaxConnections - InUse - Reserved);

    /// <summary>How many more workers the free connections allow.</summary>
    public int AdditionalWorkers => Free / PerWorker;
}

/// <summary>Redis's used memory and its maxmemory (0: no limit).</summary>
public sealed record RedisMemory(string Server, long UsedBytes, long MaxBytes)
{
    public double? Ratio => MaxBytes > 0 ? (double)UsedBytes / MaxBytes : null;
}

/// <summary>A count recommended earlier, remembered for the scale-down stabilisation window.</summary>
public sealed record PastRecommendation(DateTimeOffset At, int Count);

/// <summary>The outcome of <see cref="ScaleDecider.Decide"/>.</summary>
public sealed record ScaleDecision
{
    public required int Current { get; init; }
    public required int Desired { get; init; }

    /// <summary>The count the formula gives, before anything else.</summary>
    public required int Wanted { get; init; }

    /// <summary>The count after the rules and before any limit: what the stabilisation window remembers.</summary>
    public required int Proposed { get; init; }

    public required ScaleRule Rule { get; init; }
    public ScaleLimit? CappedBy { get; init; }
    public required string Reason { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>
/// Decides a worker count from queue depth: the seed's formula, wait-time awareness, the HPA's tolerance and
/// scale-down stabilisation, step limits, bounds and capacity guardrails. Pure: the caller supplies the
/// recommendations of the window and remembers the new one.
/// </summary>
public static class ScaleDecider
{
    public static ScaleDecision Decide(ScalePolicy policy, ScaleObservation observation, IReadOnlyList<PastRecommendation> history, DateTimeOffset now)
    {
        var current = observation.Current;
        var wanted = Wanted(observation.Pending, policy);
        var overdue = observation.OldestPendingAge is { } age && age.TotalMinutes > policy.TargetWaitMinutes;
        var reason = new List<string> { Describe(observation, policy) + $" → {wanted} wanted" };
        var warnings = new List<string>();

        var proposed = wanted;
        var rule = ScaleRule.Formula;
        if (overdue)
        {
            var atLeast = current + Math.Max(1, (int)Math.Ceiling(current * policy.Tolerance));
            if (proposed < atLeast)
            {
                proposed = atLeast;
                rule = ScaleRule.WaitTime;
                reason.Add($"jobs wait too long: at least +{atLeast - current} → {atLeast}");
            }
        }
        else if (current > 0 && Math.Abs(proposed - current) <= current * policy.Tolerance && proposed != current)
        {
            proposed = current;
            rule = ScaleRule.Tolerance;
            reason.Add($"within ±{Percent(policy.Tolerance)} of {current} → {current}");
        }

        var desired = proposed;
        ScaleLimit? cappedBy = null;
        if (desired < current && policy.ScaleDownStabilization > TimeSpan.Zero)
        {
            var since = now - policy.ScaleDownStabilization;
            var highest = history.Where(h => h.At > since && h.At <= now).Select(h => h.Count).DefaultIfEmpty(proposed).Max();
            if (highest > desired)
            {
                desired = Math.Min(highest, current);
                rule = ScaleRule.Stabilization;
                reason.Add(desired == current
                    ? $"{highest} was recommended within the last {Duration(policy.ScaleDownStabilization)}: no scale-down yet → {desired}"
                    : $"highest recommendation of the last {Duration(policy.ScaleDownStabilization)} → {desired}");
            }
        }
        if (policy.MaxStepDown is { } stepDown && current - desired > stepDown)
        {
            desired = current - stepDown;
            cappedBy = ScaleLimit.MaxStepDown;
            reason.Add($"capped at −{stepDown} per step → {desired}");
        }
        if (policy.MaxStepUp is { } stepUp && desired - current > stepUp)
        {
            desired = current + stepUp;
            cappedBy = ScaleLimit.MaxStepUp;
            reason.Add($"capped at +{stepUp} per step → {desired}");
        }
        if (desired > policy.Maximum)
        {
            desired = policy.Maximum;
            cappedBy = ScaleLimit.Maximum;
            reason.Add($"capped at the maximum of {policy.Maximum} → {desired}");
        }
        if (observation.Database is { } database && desired > current && desired > current + database.AdditionalWorkers)
        {
            desired = current + database.AdditionalWorkers;
            cappedBy = ScaleLimit.DatabaseConnections;
            reason.Add($"capped by {database.Free} free connections on {database.Server} " +
                $"({database.MaxConnections} max − {database.InUse} in use − {database.Reserved} reserved) at {database.PerWorker} per worker → {desired}");
        }
        if (desired < policy.Minimum)
        {
            desired = policy.Minimum;
            cappedBy = ScaleLimit.Minimum;
            reason.Add($"raised to the minimum of {policy.Minimum} → {desired}");
            if (observation.Database is { } db && desired > current + db.AdditionalWorkers)
                warnings.Add($"The minimum of {policy.Minimum} workers needs more connections than {db.Server} has free ({db.Free} at {db.PerWorker} per worker).");
        }
        if (desired == current && reason.Count == 1)
            reason.Add($"stays at {current}");

        if (observation.Redis is { Ratio: { } ratio } redis && ratio > policy.RedisMemoryWarningRatio)
            warnings.Add($"Redis at {redis.Server} uses {Percent(ratio)} of its maxmemory ({Megabytes(redis.UsedBytes)} of {Megabytes(redis.MaxBytes)}), " +
                $"above the warning ratio of {Percent(policy.RedisMemoryWarningRatio)}: it may evict or refuse jobs whatever the worker count.");
        if (overdue && desired <= current)
            warnings.Add($"Jobs wait longer than the {Minutes(policy.TargetWaitMinutes)} target but the count cannot rise ({cappedBy}).");

        return new ScaleDecision
        {
            Current = current,
            Desired = desired,
            Wanted = wanted,
            Proposed = proposed,
            Rule = rule,
            CappedBy = cappedBy,
            Reason = string.Join(", ", reason),
            Warnings = warnings,
        };
    }

    /// <summary>The seed's formula: ceil((pending / target wait minutes) / jobs per worker per minute).</summary>
    public static int Wanted(long pending, ScalePolicy policy)
    {
        if (pending <= 0) return 0;
        // In decimal, so that 567 / 2 / 5 is 56.7 exactly and exact quotients do not round up by a float's error.
        var workers = Math.Ceiling((decimal)pending / (decimal)policy.TargetWaitMinutes / (decimal)policy.JobsPerWorkerPerMinute);
        return workers >= int.MaxValue ? int.MaxValue : (int)workers;
    }

    private static string Describe(ScaleObservation observation, ScalePolicy policy)
    {
        var text = $"{observation.Pending} pending";
        if (observation.OldestPendingAge is { } age)
        {
            var comparison = age.TotalMinutes > policy.TargetWaitMinutes ? ">" : "≤";
            text += $", oldest waited {Duration(age)} {comparison} {Minutes(policy.TargetWaitMinutes)} target";
        }
        return text;
    }

    internal static string Duration(TimeSpan span) => span.TotalSeconds < 60
        ? $"{Math.Floor(span.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s"
        : span.TotalMinutes < 120
            ? $"{Math.Floor(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min"
            : $"{Math.Floor(span.TotalHours).ToString(CultureInfo.InvariantCulture)} h {span.Minutes} min";

    private static string Minutes(double minutes) => $"{minutes.ToString("0.##", CultureInfo.InvariantCulture)} min";

    private static string Percent(double ratio) => $"{(ratio * 100).ToString("0.#", CultureInfo.InvariantCulture)} %";

    private static string Megabytes(long bytes) => $"{(bytes / 1048576d).ToString("0.#", CultureInfo.InvariantCulture)} MiB";
}
