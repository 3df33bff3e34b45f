using OpsRunbooks.Environments;

namespace OpsRunbooks.Scaling.Targets;

/// <summary>
/// A driver's part of a target table (Scaling.Targets.&lt;name&gt; in an environment file, or New-WorkerScaleTarget
/// -Definition): the Driver value that picks it, the keys it accepts besides Driver, Minimum and Maximum, and how
/// they make its settings. Each driver declares its own beside its code (Scaling/Targets/&lt;Driver&gt;/) and is
/// listed in <see cref="ScaleTargetDrivers.All"/>.
/// </summary>
public interface IScaleTargetDriver
{
    /// <summary>The Driver value: "Supervisor".</summary>
    string Name { get; }

    /// <summary>What it scales, for messages and help: "a Supervisor program group".</summary>
    string Kind { get; }

    /// <summary>The driver's own keys, not counting Driver, Minimum and Maximum.</summary>
    IReadOnlyCollection<string> Keys { get; }

    /// <summary>The settings from a target table holding only the common keys and <see cref="Keys"/>.</summary>
    ScaleTargetSettings Read(SettingsTable target);
}
