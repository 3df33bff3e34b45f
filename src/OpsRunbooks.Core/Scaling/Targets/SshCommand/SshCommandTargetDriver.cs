using OpsRunbooks.Environments;
using OpsRunbooks.Remote.Ssh;

namespace OpsRunbooks.Scaling.Targets.SshCommand;

/// <summary>
/// Driver = 'SshCommand'; ComputerName, User, KeyFile or Password, Port, KnownHostsPath; CountCommand = 'prints the
/// count'; ScaleCommand = '... {replicas} ...': workers that a pair of shell commands on a host count and scale.
/// </summary>
public sealed class SshCommandTargetDriver : IScaleTargetDriver
{
    public string Name => SshCommandTargetSettings.DriverName;
    public string Kind => "workers counted and scaled by shell commands over SSH";
    public IReadOnlyCollection<string> Keys { get; } = [.. SshHostSettings.Keys, "CountCommand", "ScaleCommand"];

    public ScaleTargetSettings Read(SettingsTable target)
    {
        var scale = target.RequiredText("ScaleCommand");
        if (!scale.Contains(SshCommandTargetSettings.ReplicasPlaceholder, StringComparison.Ordinal))
            throw target.Invalid("ScaleCommand", $"has no {SshCommandTargetSettings.ReplicasPlaceholder} placeholder for the count to set");
        return new SshCommandTargetSettings(SshHostSettings.Read(target), target.RequiredText("CountCommand"), scale);
    }
}

/// <summary>
/// The commands of an SshCommand target: <see cref="CountCommand"/> prints one whole number (desired = running = ready),
/// or three (desired, running, ready); <see cref="ScaleCommand"/> sets the count given in place of {replicas}.
/// </summary>
public sealed record SshCommandTargetSettings(SshHostSettings Host, string CountCommand, string ScaleCommand) : ScaleTargetSettings
{
    public const string DriverName = "SshCommand";
    public const string ReplicasPlaceholder = "{replicas}";

    public override string Driver => DriverName;
    public override string Location => $"commands on {Host.Location}";

    public override IScaleTarget Open(WorkerScaleTarget target) => new SshCommandScaleTarget(target, this);
}
