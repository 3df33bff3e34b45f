using OpsRunbooks.Environments;

namespace OpsRunbooks.Scaling.Targets;

/// <summary>
/// The scale target drivers a target table's Driver key may pick, and the reading of a target table: the keys
/// every target has (Driver, Minimum, Maximum) plus the picked driver's own.
/// </summary>
public static class ScaleTargetDrivers
{
    /// <summary>Every driver; a driver adds itself here (one line each, so branches merge cleanly).</summary>
    public static readonly IReadOnlyList<IScaleTargetDriver> All =
    [
        new Supervisor.SupervisorTargetDriver(),
        new Kubernetes.KubernetesTargetDriver(),
        new Swarm.SwarmTargetDriver(),
        new Compose.ComposeTargetDriver(),
        new SshCommand.SshCommandTargetDriver(),
    ];

    /// <summary>The keys every target table has, whatever its driver.</summary>
    public static readonly IReadOnlyList<string> CommonKeys = ["Driver", "Minimum", "Maximum"];

    /// <summary>The most workers a target may declare; a sanity bound on a typing slip, not a platform limit.</summary>
    public const int MaximumWorkers = 10_000;

    /// <summary>The keys of every driver and the common ones: what a target table may hold before its driver is known.</summary>
    public static IReadOnlyList<string> AllKeys(IReadOnlyList<IScaleTargetDriver> drivers) =>
        [.. CommonKeys, .. drivers.SelectMany(d => d.Keys).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>
    /// The target <paramref name="name"/> of <paramref name="parent"/> (a table whose key <paramref name="name"/> is a
    /// target table). A key no driver accepts is unknown (with the nearest of all keys); a key only another driver
    /// accepts is unknown to the one picked.
    /// </summary>
    public static WorkerScaleTarget Read(SettingsTable parent, string name, IReadOnlyList<IScaleTargetDriver>? drivers = null)
    {
        drivers ??= All;
        var any = parent.Table(name, AllKeys(drivers)) ?? throw parent.Invalid(name, "is missing");
        var driverName = any.RequiredText("Driver");
        var driver = drivers.FirstOrDefault(d => string.Equals(d.Name, driverName, StringComparison.OrdinalIgnoreCase))
            ?? throw new OpsException(ScalingErrorIds.ScaleTargetDriverUnknown, FailureKind.InvalidData,
                $"'{parent.SourcePath}': {any.KeyPath("Driver")} is '{driverName}', which is not a scale target driver; use one of: " +
                string.Join(", ", drivers.Select(d => $"{d.Name} ({d.Kind})")) + ".", parent.SourcePath);
        var table = parent.Table(name, [.. CommonKeys, .. driver.Keys], $"{any.Path} ({driver.Kind})")!;
        var minimum = table.WholeNumber("Minimum", 0, MaximumWorkers) ?? 0;
        var maximum = table.WholeNumber("Maximum", 0, MaximumWorkers) ?? throw table.Invalid("Maximum", "is missing; give the most workers the target may run");
        if (maximum < minimum)
            throw table.Invalid("Maximum", $"is {maximum}, below Minimum {minimum}");
        return new WorkerScaleTarget(name, minimum, maximum, driver.Read(table));
    }

    /// <summary>
    /// A target from a table of the same shape as an environment file's Scaling.Targets entries (New-WorkerScaleTarget
    /// -Definition); relative paths in it are relative to <paramref name="baseDirectory"/>.
    /// </summary>
    public static WorkerScaleTarget FromDefinition(string name, System.Collections.IDictionary definition, string baseDirectory)
    {
        var holder = new System.Collections.Hashtable { [name] = definition };
        return Read(SettingsTable.Open(holder, Path.Combine(baseDirectory, "(New-WorkerScaleTarget -Definition)"), [name]), name);
    }
}
