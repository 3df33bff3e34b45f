using OpsRunbooks.Environments;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.Scaling;

/// <summary>
/// Scaling = @{ Targets = @{ &lt;name&gt; = @{ Driver = '...'; Minimum = n; Maximum = n; &lt;driver keys&gt; } } ... }:
/// the scaling area's section of an environment file.
/// </summary>
public sealed class ScalingEnvironmentSection : IEnvironmentSection
{
    public string Key => "Scaling";

    public IReadOnlyCollection<string> Keys { get; } =
    [
        "Targets",
        // Queue and recommendation keys follow here.
        "Redis",
        "Queues",
    ];

    public object Read(SettingsTable section)
    {
        var names = section.NamedTables("Targets", ScaleTargetDrivers.AllKeys(ScaleTargetDrivers.All)).Select(t => t.Name).ToArray();
        var targets = section.Table("Targets", names) is { } table ? names.Select(name => ScaleTargetDrivers.Read(table, name)).ToArray() : [];
        return new ScalingSettings
        {
            Targets = targets,
            Redis = section.Table("Redis", Queues.RedisServerSettings.Keys) is { } redis ? Queues.RedisServerSettings.Read(redis) : null,
            Queues = section.Table("Queues", Queues.QueueSettings.Keys) is { } queues ? Queues.QueueSettings.Read(queues) : null,
        };
    }
}

/// <summary>The Scaling section of an environment file.</summary>
public sealed class ScalingSettings
{
    /// <summary>The scale targets, in the file's order.</summary>
    public IReadOnlyList<WorkerScaleTarget> Targets { get; init; } = [];

    /// <summary>The Redis server the queues are on (Scaling.Redis); null when the file names none.</summary>
    public Queues.RedisServerSettings? Redis { get; init; }

    /// <summary>The queues to measure and their layout (Scaling.Queues); null when the file names none.</summary>
    public Queues.QueueSettings? Queues { get; init; }

    /// <summary>The Scaling section of <paramref name="environment"/>; fails naming the file when it has none.</summary>
    public static ScalingSettings Of(OpsEnvironment environment) =>
        environment.GetSection<ScalingSettings>() ?? throw new OpsException(ScalingErrorIds.ScalingSectionMissing, FailureKind.InvalidArgument,
            $"The environment '{environment.Name}' ({environment.SourcePath}) has no Scaling section; add Scaling = @{{ Targets = @{{ ... }} }} or give -Target.", environment);

    /// <summary>The target of the environment's Scaling.Targets called <paramref name="name"/>.</summary>
    public static WorkerScaleTarget GetTarget(OpsEnvironment environment, string name) =>
        Of(environment).GetTarget(name, $"The environment '{environment.Name}' ({environment.SourcePath})");

    public WorkerScaleTarget GetTarget(string name, string environmentDescription) =>
        Targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new OpsException(ScalingErrorIds.ScaleTargetNotFound, FailureKind.NotFound,
            $"{environmentDescription} has no scale target '{name}' in Scaling.Targets; it has: " +
            (Targets.Count == 0 ? "none" : string.Join(", ", Targets.Select(t => t.Name))) + ".", name);

    public override string ToString() => $"{Targets.Count} target(s): " + string.Join(", ", Targets.Select(t => t.ToString()));
}
