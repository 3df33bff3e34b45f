using OpsRunbooks.Postgres;
using OpsRunbooks.Scaling.Queues;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.Scaling.Recommendation;

/// <summary>Everything one recommendation is made from, besides the queues.</summary>
public sealed record RecommendationRequest
{
    public required ScalePolicy Policy { get; init; }

    /// <summary>The target whose current count is read; null to use <see cref="CurrentReplicas"/>.</summary>
    public WorkerScaleTarget? Target { get; init; }

    /// <summary>The current count when there is no target to read it from (or to use instead of reading it).</summary>
    public int? CurrentReplicas { get; init; }

    public string? Environment { get; init; }

    /// <summary>The PostgreSQL server whose free connections cap the workers; null for no such guardrail.</summary>
    public PostgresTarget? DatabaseServer { get; init; }

    public int DatabaseConnectionsPerWorker { get; init; }

    /// <summary>Connections kept free beyond the server's own reserved slots.</summary>
    public int DatabaseConnectionReserve { get; init; }

    /// <summary>Where the stabilisation window's state files are; <see cref="RecommendationHistory.DefaultDirectory"/> when null.</summary>
    public string? StateDirectory { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>Makes a recommendation from queue depths: reads the current count and the guardrails, decides, remembers.</summary>
public static class WorkerScaleRecommender
{
    public static async Task<ScaleRecommendation> RecommendAsync(IReadOnlyList<QueueDepth> depths, RecommendationRequest request, CancellationToken cancellationToken)
    {
        if (depths.Count == 0)
            throw new OpsException(ScalingErrorIds.QueueDepthMissing, FailureKind.InvalidArgument,
                "No queue depth was given: pipe Get-QueueDepth into Get-WorkerScaleRecommendation.");
        var policy = request.Policy.Validate();
        var current = request.CurrentReplicas ?? await ReadCurrentAsync(request.Target, cancellationToken).ConfigureAwait(false);
        var database = request.DatabaseServer is { } server
            ? await Guardrails.ReadConnectionsAsync(server, request.DatabaseConnectionsPerWorker, request.DatabaseConnectionReserve, cancellationToken).ConfigureAwait(false)
            : null;
        var memory = depths.Where(d => d.RedisUsedMemory is not null)
            .Select(d => new RedisMemory(d.Redis, d.RedisUsedMemory!.Value, d.RedisMaxMemory ?? 0))
            .OrderByDescending(m => m.Ratio ?? 0).FirstOrDefault();
        var observation = new ScaleObservation
        {
            Pending = depths.Sum(d => d.Pending),
            OldestPendingAge = depths.Max(d => d.OldestPendingAge),
            Current = current,
            Database = database,
            Redis = memory,
        };
        var queues = depths.Select(d => d.Queue).Distinct(StringComparer.Ordinal).ToArray();
        var targetName = request.Target?.Name ?? "queues " + string.Join(",", queues.Order(StringComparer.Ordinal));
        var environment = request.Environment ?? depths.Select(d => d.Environment).FirstOrDefault(e => e is not null);
        var now = request.Clock.GetUtcNow();

        ScaleDecision decision;
        string? statePath = null;
        if (policy.ScaleDownStabilization > TimeSpan.Zero)
        {
            var history = new RecommendationHistory(request.StateDirectory ?? RecommendationHistory.DefaultDirectory(), environment ?? "_", targetName);
            statePath = history.Path;
            decision = await history.UpdateAsync(policy.ScaleDownStabilization, now, past =>
            {
                var made = ScaleDecider.Decide(policy, observation, past, now);
                return (made, made.Proposed);
            }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            decision = ScaleDecider.Decide(policy, observation, [], now);
        }

        return new ScaleRecommendation
        {
            Target = request.Target,
            TargetName = targetName,
            Environment = environment,
            Current = decision.Current,
            Desired = decision.Desired,
            Rule = decision.Rule,
            CappedBy = decision.CappedBy,
            Reason = decision.Reason,
            Warnings = decision.Warnings,
            Queues = queues,
            Pending = observation.Pending,
            OldestPendingAge = observation.OldestPendingAge,
            Wanted = decision.Wanted,
            DecidedAt = now,
            StatePath = statePath,
        };
    }

    private static async Task<int> ReadCurrentAsync(WorkerScaleTarget? target, CancellationToken cancellationToken)
    {
        if (target is null)
            throw new OpsException(ScalingErrorIds.CurrentReplicasUnknown, FailureKind.InvalidArgument,
                "The current worker count is unknown: give -Target (or the environment's -Target name) to read it, or -CurrentReplicas.");
        await using var live = target.Open();
        return (await live.GetScaleAsync(cancellationToken).ConfigureAwait(false)).Desired;
    }
}
