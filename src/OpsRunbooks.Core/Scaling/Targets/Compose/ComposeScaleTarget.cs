using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsRunbooks.Scaling.Targets.Compose;

/// <summary>
/// A Compose service scaled with <c>up -d --no-recreate --no-deps --scale service=n</c> and counted from the containers
/// that carry its Compose labels (docker ps, the same for Compose v1 and v2). Compose stops the surplus of a
/// scale-down itself, with the service's stop_grace_period, before it returns: the drain is reported by the action.
/// </summary>
internal sealed partial class ComposeScaleTarget : IScaleTarget
{
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ScaleTimeout = TimeSpan.FromMinutes(10);

    private readonly ComposeTargetSettings _settings;
    private readonly RemoteShell _shell;

    /// <summary>Compose keeps no count of its own: the one last asked for here, else what runs.</summary>
    private int? _requested;

    public ComposeScaleTarget(WorkerScaleTarget definition, ComposeTargetSettings settings)
    {
        Definition = definition;
        _settings = settings;
        _shell = new RemoteShell(settings.Host, definition);
    }

    public WorkerScaleTarget Definition { get; }

    public async Task<ScaleState> GetScaleAsync(CancellationToken cancellationToken)
    {
        var containers = await ContainersAsync(cancellationToken);
        var running = containers.Where(c => c.State == "running").ToArray();
        var desired = _requested ?? running.Length;
        return new ScaleState(
            Desired: desired,
            Running: running.Length,
            Ready: running.Count(c => !c.Status.Contains("(health: starting)", StringComparison.Ordinal) && !c.Status.Contains("(unhealthy)", StringComparison.Ordinal)),
            Stopping: 0,
            Failures: containers.Where(c => c.Number <= desired && (c.State is "restarting" or "dead" || c.State == "exited" && !c.Status.StartsWith("Exited (0)", StringComparison.Ordinal)))
                .Select(c => $"{c.Name}: {c.Status}").ToArray(),
            Killed: []);
    }

    public async Task<ScaleAction> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        var surplus = (await ContainersAsync(cancellationToken)).Where(c => c.State == "running" && c.Number > replicas).Select(c => c.Name).ToArray();
        var stopwatch = Stopwatch.StartNew();
        await _shell.RunAsync(Script($"$compose -p {Quote(_settings.Project)} -f {Quote(_settings.ComposeFile)} up -d --no-recreate --no-deps " +
                                     $"--scale {Quote($"{_settings.Service}={replicas}")} {Quote(_settings.Service)}"),
            $"scale to {replicas}", ScaleTimeout, cancellationToken);
        _requested = replicas;
        return surplus.Length == 0 ? ScaleAction.Requested : new ScaleAction(surplus, stopwatch.Elapsed, []);
    }

    public ValueTask DisposeAsync() => _shell.DisposeAsync();

    private async Task<IReadOnlyList<Container>> ContainersAsync(CancellationToken cancellationToken)
    {
        var format = "{{.Label \"com.docker.compose.container-number\"}}\t{{.State}}\t{{.Names}}\t{{.Status}}";
        var output = await _shell.RunAsync(Script(
                $"docker ps -a --filter {Quote($"label=com.docker.compose.project={ProjectLabel(_settings.Project)}")} " +
                $"--filter {Quote($"label=com.docker.compose.service={_settings.Service}")} --format {Quote(format)}"),
            "count the containers", CountTimeout, cancellationToken);
        var containers = new List<Container>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length != 4 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw new OpsException(ScalingErrorIds.ScaleCountUnreadable, FailureKind.InvalidData,
                    $"docker ps on {_settings.Host.Location} printed '{line}' for target '{Definition.Name}', not number, state, name and status; is its Docker Engine older than 20.10?",
                    Definition);
            containers.Add(new Container(number, fields[1], fields[2], fields[3]));
        }
        return containers;
    }

    /// <summary>A shell script with DOCKER_HOST set when the target names one and $compose the Compose the host has.</summary>
    private string Script(string command) =>
        (_settings.DockerHost is { } dockerHost ? $"DOCKER_HOST={Quote(dockerHost)}; export DOCKER_HOST; " : "") +
        "if docker compose version >/dev/null 2>&1; then compose='docker compose'; else compose=docker-compose; fi; " + command;

    /// <summary>The project name as Compose writes it into labels: lower case, only letters, digits, '-' and '_'.</summary>
    private static string ProjectLabel(string project) => NotInProjectName().Replace(project.ToLowerInvariant(), "");

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("[^-_a-z0-9]")]
    private static partial Regex NotInProjectName();

    private sealed record Container(int Number, string State, string Name, string Status);
}
