using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.Scaling;

/// <summary>A target's workers at one moment, with its bounds: what Get-WorkerScale emits.</summary>
public sealed record WorkerScale(
    WorkerScaleTarget Target,
    int Desired,
    int Running,
    int Ready,
    int Stopping,
    int Minimum,
    int Maximum,
    IReadOnlyList<string> Failures,
    DateTimeOffset MeasuredAt)
{
    /// <summary>The target's name, for tables.</summary>
    public string Name => Target.Name;

    public string Driver => Target.Driver;

    /// <summary>Why the workers are not all ready, in words; empty when they are.</summary>
    public string Status => Failures.Count > 0 ? string.Join("; ", Failures)
        : Stopping > 0 ? $"{Stopping} stopping"
        : Ready < Desired ? $"{Desired - Ready} not ready yet"
        : "";

    public static WorkerScale From(WorkerScaleTarget target, ScaleState state, DateTimeOffset measuredAt) =>
        new(target, state.Desired, state.Running, state.Ready, state.Stopping, target.Minimum, target.Maximum, state.Failures, measuredAt);
}
