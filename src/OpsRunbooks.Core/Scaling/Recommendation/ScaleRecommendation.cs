using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.Scaling.Recommendation;

/// <summary>
/// A worker count for a target and why: the count now, the count wanted, the rule that decided, the limit that
/// capped it, and the reason in words with its inputs. Set-WorkerScale takes Target and Desired from it.
/// </summary>
public sealed record ScaleRecommendation
{
    /// <summary>The target to scale; null when the current count was given by -CurrentReplicas.</summary>
    public WorkerScaleTarget? Target { get; init; }

    /// <summary>The target's name, or the queues' names when there is no target: what the stabilisation state is kept under.</summary>
    public required string TargetName { get; init; }

    public string? Environment { get; init; }
    public required int Current { get; init; }
    public required int Desired { get; init; }

    /// <summary>Desired − Current.</summary>
    public int Change => Desired - Current;

    public required ScaleRule Rule { get; init; }
    public ScaleLimit? CappedBy { get; init; }
    public required string Reason { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>The queues decided on, their pending jobs summed and their oldest wait.</summary>
    public required IReadOnlyList<string> Queues { get; init; }

    public required long Pending { get; init; }
    public TimeSpan? OldestPendingAge { get; init; }

    /// <summary>The count the formula gives before any rule or limit.</summary>
    public required int Wanted { get; init; }

    public required DateTimeOffset DecidedAt { get; init; }

    /// <summary>The file the stabilisation window is kept in; null without a window.</summary>
    public string? StatePath { get; init; }
}
