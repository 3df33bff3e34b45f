namespace OpsRunbooks.Scaling.Targets;

/// <summary>
/// A named scale target as written in an environment file's Scaling.Targets table or given to
/// New-WorkerScaleTarget: the bounds every driver has, and the driver's own settings. It holds no connection
/// and no secret (secrets stay <see cref="Environments.SecretReference"/>s inside <see cref="Settings"/>), so it
/// can be passed around, printed and serialized; <see cref="Open"/> makes the live <see cref="IScaleTarget"/>.
/// </summary>
public sealed record WorkerScaleTarget(string Name, int Minimum, int Maximum, ScaleTargetSettings Settings)
{
    /// <summary>The driver's name, as the Driver key spells it: Supervisor, Swarm, Compose, Kubernetes, SshCommand.</summary>
    public string Driver => Settings.Driver;

    /// <summary>Where the workers are, for tables and messages (no secret).</summary>
    public string Location => Settings.Location;

    public IScaleTarget Open() => Settings.Open(this);

    public override string ToString() => $"{Name} ({Driver} {Location})";
}

/// <summary>
/// One driver's settings of a target, read by its <see cref="IScaleTargetDriver"/>; each driver has its own
/// record beside its code.
/// </summary>
public abstract record ScaleTargetSettings
{
    /// <summary>The driver's name, as the Driver key spells it.</summary>
    public abstract string Driver { get; }

    /// <summary>Where the workers are, in a few words without secrets: "group worker at http://127.0.0.1:9001".</summary>
    public abstract string Location { get; }

    /// <summary>The live target; connections are made on first use and released by DisposeAsync.</summary>
    public abstract IScaleTarget Open(WorkerScaleTarget target);

    public sealed override string ToString() => $"{Driver} {Location}";
}
