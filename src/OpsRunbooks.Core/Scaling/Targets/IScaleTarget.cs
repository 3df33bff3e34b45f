namespace OpsRunbooks.Scaling.Targets;

/// <summary>
/// A set of identical workers whose count can be read and changed: a Supervisor program group, a Docker Swarm
/// or Compose service, a Kubernetes Deployment, or anything an SSH command can scale. One driver per folder
/// (Scaling/Targets/&lt;Driver&gt;/) implements it; <see cref="WorkerScaler"/> holds everything drivers share
/// (bounds, waiting, settling, rollback, drain accounting), so a driver only reads and sets the count.
/// </summary>
public interface IScaleTarget : IAsyncDisposable
{
    /// <summary>The target's definition: its name, driver, bounds and driver settings.</summary>
    WorkerScaleTarget Definition { get; }

    /// <summary>What the platform says now: how many workers are wanted, running, ready, stopping and failed.</summary>
    Task<ScaleState> GetScaleAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Asks the platform for <paramref name="replicas"/> workers (already checked against the bounds). Workers
    /// beyond the count get their stop signal and grace period. A driver whose platform stops workers before it
    /// answers (Supervisor's stopProcess) reports the drain in the result; one whose platform stops them later
    /// (Swarm, Kubernetes) returns at once and reports draining workers as <see cref="ScaleState.Stopping"/>.
    /// </summary>
    Task<ScaleAction> ScaleAsync(int replicas, CancellationToken cancellationToken);
}
