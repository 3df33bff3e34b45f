namespace OpsRunbooks.Scaling.Targets;

/// <summary>
/// A target's workers as its platform reports them at one moment.
/// </summary>
/// <param name="Desired">The count the platform is asked to keep (replicas, started processes).</param>
/// <param name="Running">Workers whose process runs, ready or not, including those stopping.</param>
/// <param name="Ready">Workers of the current spec that are up and ready for work (Supervisor RUNNING, Swarm task running, Kubernetes readyReplicas of the observed generation).</param>
/// <param name="Stopping">Workers told to stop that have not exited yet: they are draining.</param>
/// <param name="Failures">
/// Workers of the desired set that exited, crash-loop or could not start, each as "name: what happened"
/// (Supervisor FATAL/BACKOFF/EXITED, a Swarm task that failed, a Kubernetes condition); empty when the driver
/// sees none. A non-empty list during a scale-up is what rolls it back.
/// </param>
/// <param name="Killed">Workers the platform had to kill after their grace period while stopping, when the driver can tell.</param>
/// <param name="Ceiling">The most workers the platform can run (Supervisor's numprocs); null when it sets no limit.</param>
public sealed record ScaleState(
    int Desired,
    int Running,
    int Ready,
    int Stopping,
    IReadOnlyList<string> Failures,
    IReadOnlyList<string> Killed,
    int? Ceiling = null)
{
    public static ScaleState Of(int desired, int running, int ready) => new(desired, running, ready, 0, [], []);
}

/// <summary>
/// What a driver's <see cref="IScaleTarget.ScaleAsync"/> did.
/// </summary>
/// <param name="Stopped">The workers it stopped before answering, by name; empty when the platform stops them later.</param>
/// <param name="DrainDuration">How long stopping them took (null when none were stopped before answering).</param>
/// <param name="Killed">Those of <paramref name="Stopped"/> the platform had to kill after their grace period.</param>
public sealed record ScaleAction(IReadOnlyList<string> Stopped, TimeSpan? DrainDuration, IReadOnlyList<string> Killed)
{
    /// <summary>The platform took the new count and will start or stop workers by itself.</summary>
    public static readonly ScaleAction Requested = new([], null, []);
}
