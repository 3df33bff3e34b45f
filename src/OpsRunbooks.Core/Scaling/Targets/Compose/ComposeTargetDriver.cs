using OpsRunbooks.Environments;
using OpsRunbooks.Remote.Ssh;

namespace OpsRunbooks.Scaling.Targets.Compose;

/// <summary>
/// Driver = 'Compose'; ComputerName, User, KeyFile or Password, Port, KnownHostsPath; ComposeFile = '/srv/app/compose.yml'
/// (on that host); Project = 'app'; Service = 'worker'; DockerHost = 'unix:///run/docker.sock' (optional): a Docker
/// Compose service on a host reached over SSH, with Compose v2 (docker compose) or v1 (docker-compose).
/// </summary>
public sealed class ComposeTargetDriver : IScaleTargetDriver
{
    public string Name => ComposeTargetSettings.DriverName;
    public string Kind => "a Docker Compose service over SSH";
    public IReadOnlyCollection<string> Keys { get; } = [.. SshHostSettings.Keys, "ComposeFile", "Project", "Service", "DockerHost"];

    public ScaleTargetSettings Read(SettingsTable target) => new ComposeTargetSettings(
        SshHostSettings.Read(target),
        target.RequiredText("ComposeFile"),
        target.RequiredText("Project"),
        target.RequiredText("Service"),
        target.Text("DockerHost"));
}

/// <summary>A Compose service: <see cref="ComposeFile"/> is a path on the SSH host; <see cref="DockerHost"/> the daemon there, when not the default.</summary>
public sealed record ComposeTargetSettings(SshHostSettings Host, string ComposeFile, string Project, string Service, string? DockerHost) : ScaleTargetSettings
{
    public const string DriverName = "Compose";

    public override string Driver => DriverName;
    public override string Location => $"service {Service} of project {Project} on {Host.Location}";

    public override IScaleTarget Open(WorkerScaleTarget target) => new ComposeScaleTarget(target, this);
}
