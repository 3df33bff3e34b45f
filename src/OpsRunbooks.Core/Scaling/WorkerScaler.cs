using System.Diagnostics;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.Scaling;

/// <summary>How to change a target's count: wait or not, for how long, and whether to put the old count back on failure.</summary>
/// <param name="Wait">Wait until as many workers as requested are ready and stay up through <paramref name="SettleWindow"/>.</param>
/// <param name="Timeout">How long to wait for that (and, after a rollback, for the old count).</param>
/// <param name="RollbackOnFailure">When the new workers fail or are not ready in time, ask for the previous count again.</param>
/// <param name="SettleWindow">How long the workers must stay ready before a change that started workers counts as converged; a scale-down converges once the surplus has stopped.</param>
/// <param name="PollInterval">How often the platform is asked while waiting.</param>
public sealed record ScaleOptions(
    bool Wait = false,
    TimeSpan? Timeout = null,
    bool RollbackOnFailure = false,
    TimeSpan? SettleWindow = null,
    TimeSpan? PollInterval = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultSettleWindow = TimeSpan.FromSeconds(3);

    internal TimeSpan WaitLimit => Timeout ?? DefaultTimeout;
    internal TimeSpan Settle => SettleWindow ?? DefaultSettleWindow;
    internal TimeSpan Poll => PollInterval ?? TimeSpan.FromMilliseconds(200);
}

/// <summary>A change that passed its checks: the target, its state before, and the count asked for.</summary>
public sealed record ScalePlan(IScaleTarget Target, ScaleState Before, int Requested, DateTimeOffset MeasuredAt)
{
    public int Previous => Before.Desired;

    /// <summary>"from 2 to 5 workers", for -WhatIf and messages.</summary>
    public string Description => Previous == Requested
        ? $"keep {Requested} worker(s) and restart any that failed"
        : $"scale from {Previous} to {Requested} worker(s)";
}

/// <summary>
/// What every scale target shares: the bounds checks, the change itself, waiting for ready workers that stay up,
/// measuring the drain of a scale-down, and putting the previous count back when new workers fail. Drivers only
/// read and set counts (<see cref="IScaleTarget"/>).
/// </summary>
public static class WorkerScaler
{
    /// <summary>Reads the target's state and checks <paramref name="replicas"/> against its bounds and the platform's ceiling.</summary>
    public static async Task<ScalePlan> PlanAsync(IScaleTarget target, int replicas, CancellationToken cancellationToken)
    {
        var definition = target.Definition;
        if (replicas < definition.Minimum || replicas > definition.Maximum)
            throw new OpsException(ScalingErrorIds.ScaleOutOfBounds, FailureKind.InvalidArgument,
                $"{replicas} worker(s) is outside the bounds of target '{definition.Name}' ({definition.Minimum} to {definition.Maximum}); " +
                "ask for a count within them, or change the target's Minimum/Maximum.", definition);
        var state = await target.GetScaleAsync(cancellationToken);
        if (state.Ceiling is { } ceiling && replicas > ceiling)
            throw new OpsException(ScalingErrorIds.ScaleAboveCeiling, FailureKind.InvalidArgument,
                $"Target '{definition.Name}' ({definition.Location}) can run at most {ceiling} worker(s) on its platform, not {replicas}; " +
                "raise the platform's limit (Supervisor numprocs) or lower the target's Maximum.", definition);
        return new ScalePlan(target, state, replicas, DateTimeOffset.UtcNow);
    }

    /// <summary>Makes the planned change and, with <see cref="ScaleOptions.Wait"/>, waits for it; never throws for workers that fail.</summary>
    public static async Task<ScaleResult> ApplyAsync(ScalePlan plan, ScaleOptions options, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var target = plan.Target;
        var startedAt = DateTimeOffset.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        var scaleDown = plan.Requested < plan.Before.Running;
        progress?.Report($"{target.Definition.Name}: {plan.Description}");
        var action = await target.ScaleAsync(plan.Requested, cancellationToken);
        var drainDuration = action.DrainDuration;

        ScaleResult Result(ScaleOutcome outcome, ScaleState state, string reason = "") => new()
        {
            Target = target.Definition.Name,
            Driver = target.Definition.Driver,
            Previous = plan.Previous,
            Requested = plan.Requested,
            Ready = state.Ready,
            Outcome = outcome,
            Duration = stopwatch.Elapsed,
            Drained = scaleDown ? state.Running <= plan.Requested && state.Stopping == 0 : null,
            DrainDuration = scaleDown ? drainDuration : null,
            Killed = [.. action.Killed.Union(state.Killed)],
            Failures = state.Failures,
            Reason = reason,
            StartedAt = startedAt,
        };

        if (!options.Wait)
            return Result(ScaleOutcome.Requested, await target.GetScaleAsync(cancellationToken));

        // A scale-down starts no worker, so there is nothing new that has to prove it stays up.
        var settle = scaleDown ? TimeSpan.Zero : options.Settle;
        var (converged, state, failure) = await WaitAsync(target, plan.Requested, options, settle, progress,
            drained => drainDuration ??= drained, stopwatch, cancellationToken);
        if (converged)
            return Result(ScaleOutcome.Converged, state);
        if (!options.RollbackOnFailure || plan.Previous == plan.Requested)
            return Result(ScaleOutcome.NotConverged, state, failure);

        progress?.Report($"{target.Definition.Name}: {failure}; putting {plan.Previous} worker(s) back");
        await target.ScaleAsync(plan.Previous, cancellationToken);
        var rollbackStart = stopwatch.Elapsed;
        var (restored, after, rollbackFailure) = await WaitAsync(target, plan.Previous, options, options.Settle, progress, _ => { }, Stopwatch.StartNew(), cancellationToken);
        var reason = $"{failure}; rolled back to {plan.Previous} worker(s)" +
                     (restored ? $", ready after {(stopwatch.Elapsed - rollbackStart).TotalSeconds:0.0} s" : $", which did not converge either: {rollbackFailure}");
        return Result(ScaleOutcome.RolledBack, after, reason) with { Failures = state.Failures };
    }

    /// <summary>
    /// Polls until <paramref name="requested"/> workers are ready, no others run, and they stay so through
    /// <paramref name="settle"/>; stops early when workers fail. Reports when the surplus of a scale-down has stopped.
    /// </summary>
    private static async Task<(bool Converged, ScaleState State, string Failure)> WaitAsync(
        IScaleTarget target, int requested, ScaleOptions options, TimeSpan settle, IProgress<string>? progress,
        Action<TimeSpan> drained, Stopwatch sinceRequest, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        TimeSpan? settledSince = null;
        var drainSeen = false;
        while (true)
        {
            var state = await target.GetScaleAsync(cancellationToken);
            if (state.Failures.Count > 0)
                return (false, state, $"{state.Failures.Count} worker(s) failed: {string.Join("; ", state.Failures)}");
            if (!drainSeen && state.Running <= requested && state.Stopping == 0)
            {
                drainSeen = true;
                drained(sinceRequest.Elapsed);
            }
            var atCount = state.Ready == requested && state.Running == requested && state.Stopping == 0;
            if (!atCount) settledSince = null;
            else if (settledSince is null) settledSince = waited.Elapsed;
            else if (waited.Elapsed - settledSince >= settle) return (true, state, "");

            if (waited.Elapsed >= options.WaitLimit)
                return (false, state, $"{state.Ready} of {requested} worker(s) ready" + (state.Running > requested ? $" and {state.Running - requested} more still running" : "") +
                                      $" after {options.WaitLimit.TotalSeconds:0} s");
            progress?.Report($"{target.Definition.Name}: {state.Ready} of {requested} ready, {state.Running} running" + (state.Stopping > 0 ? $", {state.Stopping} stopping" : ""));
            await Task.Delay(options.Poll, cancellationToken);
        }
    }
}
