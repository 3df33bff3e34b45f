using OpsRunbooks.Environments;

namespace OpsRunbooks.Scaling.Targets.Swarm;

/// <summary>
/// Driver = 'Swarm'; Service = '&lt;service name or id&gt;'; Endpoint = 'unix:///var/run/docker.sock' | 'tcp://host:2375':
/// a replicated Docker Swarm service, through the Docker Engine API of a manager node.
/// </summary>
public sealed class SwarmTargetDriver : IScaleTargetDriver
{
    public string Name => SwarmTargetSettings.DriverName;
    public string Kind => "a Docker Swarm service";
    public IReadOnlyCollection<string> Keys { get; } = ["Service", "Endpoint"];

    public ScaleTargetSettings Read(SettingsTable target)
    {
        var endpoint = target.Text("Endpoint") ?? SwarmTargetSettings.DefaultEndpoint;
        if (!SwarmTargetSettings.IsEndpoint(endpoint))
            throw target.Invalid("Endpoint", $"is '{endpoint}', which is not unix:///path/to/docker.sock or tcp://host:port");
        return new SwarmTargetSettings(target.RequiredText("Service"), endpoint);
    }
}

/// <summary>A Swarm service, scaled through the Engine API at <see cref="Endpoint"/> (a manager's socket or TCP port).</summary>
public sealed record SwarmTargetSettings(string Service, string Endpoint) : ScaleTargetSettings
{
    public const string DriverName = "Swarm";
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    /// <summary>How long one Engine API call may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public override string Driver => DriverName;
    public override string Location => $"service {Service} on {Endpoint}";

    public override IScaleTarget Open(WorkerScaleTarget target) => new SwarmScaleTarget(target, this);

    internal static bool IsEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) &&
        (uri.Scheme == "unix" && uri.AbsolutePath.Length > 1 || uri.Scheme is "tcp" or "http" or "https" && uri.Port > 0);
}
