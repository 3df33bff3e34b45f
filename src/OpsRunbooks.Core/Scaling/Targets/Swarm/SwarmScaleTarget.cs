using System.Net;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace OpsRunbooks.Scaling.Targets.Swarm;

/// <summary>
/// A replicated Swarm service: its replicas are the desired count; ready workers are running tasks of the service's
/// current task spec; workers beyond a lowered count get SIGTERM and the service's stop grace period from Swarm
/// itself, so a scale-down is only requested here and its draining seen as tasks still running with desired state
/// shutdown. A task that Swarm had to kill at the end of the grace period exits with 137 and is reported as killed.
/// </summary>
internal sealed class SwarmScaleTarget : IScaleTarget
{
    /// <summary>Attempts at an update that another writer's change to the service made stale.</summary>
    private const int UpdateAttempts = 10;

    /// <summary>
    /// The pause before an attempt after a stale one grows with each attempt and is drawn at random, so that writers who
    /// collided once do not read and write again in step and collide every time.
    /// </summary>
    private static readonly TimeSpan UpdateBackoff = TimeSpan.FromMilliseconds(50);

    private const long KilledExitCode = 137;

    private readonly SwarmTargetSettings _settings;
    private readonly DockerClient _docker;
    private readonly HashSet<string> _killed = [];

    /// <summary>The tasks that existed when this target last asked for a count: failures among any others are the new workers'.</summary>
    private HashSet<string>? _tasksBeforeRequest;

    public SwarmScaleTarget(WorkerScaleTarget definition, SwarmTargetSettings settings)
    {
        Definition = definition;
        _settings = settings;
        var endpoint = settings.Endpoint.StartsWith("tcp://", StringComparison.Ordinal) ? "http://" + settings.Endpoint["tcp://".Length..] : settings.Endpoint;
        _docker = new DockerClientConfiguration(new Uri(endpoint), defaultTimeout: SwarmTargetSettings.RequestTimeout).CreateClient();
    }

    public WorkerScaleTarget Definition { get; }

    public async Task<ScaleState> GetScaleAsync(CancellationToken cancellationToken)
    {
        var service = await InspectAsync(cancellationToken);
        var tasks = await TasksAsync(service, cancellationToken);
        var desired = (int)(service.Spec.Mode.Replicated.Replicas ?? 0);
        var currentSpec = SpecIdentity(service.Spec.TaskTemplate);

        foreach (var task in tasks.Where(t => t.DesiredState != TaskState.Running && t.Status?.ContainerStatus?.ExitCode == KilledExitCode))
            _killed.Add(TaskName(task));
        // Swarm may delete a removed task before it is seen; its container, named service.slot.taskid, stays a while longer.
        if (_tasksBeforeRequest is not null)
            foreach (var name in await KilledContainersAsync(service, cancellationToken))
                _killed.Add(name);

        return new ScaleState(
            Desired: desired,
            Running: tasks.Count(t => t.Status?.State == TaskState.Running),
            Ready: tasks.Count(t => t.DesiredState == TaskState.Running && t.Status?.State == TaskState.Running &&
                                    SpecIdentity(t.Spec) == currentSpec),
            Stopping: tasks.Count(t => t.DesiredState != TaskState.Running && IsActive(t.Status?.State)),
            Failures: Failures(tasks, desired),
            Killed: [.. _killed.Order()]);
    }

    public async Task<ScaleAction> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var service = await InspectAsync(cancellationToken);
            _tasksBeforeRequest = [.. (await TasksAsync(service, cancellationToken)).Select(t => t.ID)];
            var spec = service.Spec;
            spec.Mode.Replicated.Replicas = (ulong)replicas;
            try
            {
                await _docker.Swarm.UpdateServiceAsync(service.ID,
                    new ServiceUpdateParameters { Service = spec, Version = (long)service.Version.Index }, cancellationToken);
                return ScaleAction.Requested;
            }
            catch (DockerApiException e) when (IsOutOfSequence(e) && attempt < UpdateAttempts)
            {
                // Someone else changed the service since it was read: read it again and apply the count to what is there now.
                await Task.Delay(UpdateBackoff * attempt * (0.5 + Random.Shared.NextDouble()), cancellationToken);
            }
            catch (Exception e) when (Describe(e, "update") is { } described)
            {
                throw described;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _docker.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<SwarmService> InspectAsync(CancellationToken cancellationToken)
    {
        SwarmService service;
        try
        {
            service = await _docker.Swarm.InspectServiceAsync(_settings.Service, cancellationToken);
        }
        catch (Exception e) when (Describe(e, "read") is { } described)
        {
            throw described;
        }
        if (service.Spec.Mode?.Replicated is null)
            throw new OpsException(ScalingErrorIds.SwarmServiceNotReplicated, FailureKind.InvalidArgument,
                $"The Swarm service '{_settings.Service}' is not replicated (global or a job), so it has no count to set; point the target at a replicated service.",
                Definition);
        return service;
    }

    private async Task<IList<TaskResponse>> TasksAsync(SwarmService service, CancellationToken cancellationToken)
    {
        try
        {
            return await _docker.Tasks.ListAsync(new TasksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [service.ID] = true } },
            }, cancellationToken);
        }
        catch (Exception e) when (Describe(e, "list the tasks of") is { } described)
        {
            throw described;
        }
    }

    private async Task<IEnumerable<string>> KilledContainersAsync(SwarmService service, CancellationToken cancellationToken)
    {
        IList<ContainerListResponse> containers;
        try
        {
            containers = await _docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [$"com.docker.swarm.service.id={service.ID}"] = true },
                    ["exited"] = new Dictionary<string, bool> { [KilledExitCode.ToString()] = true },
                },
            }, cancellationToken);
        }
        catch (Exception e) when (Describe(e, "list the containers of") is { } described)
        {
            throw described;
        }
        return containers
            .Where(c => c.Labels.TryGetValue("com.docker.swarm.task.id", out var task) && _tasksBeforeRequest!.Contains(task))
            .Select(c => c.Labels.TryGetValue("com.docker.swarm.task.name", out var name) ? name : c.ID)
            .Select(ShortTaskName);
    }

    /// <summary>"service.2.fadi4dfmcw7n5pbkputune4ew" as <see cref="TaskName"/> spells it: the task id cut to 12.</summary>
    private static string ShortTaskName(string taskName)
    {
        var dot = taskName.LastIndexOf('.');
        return dot < 0 || taskName.Length - dot - 1 <= 12 ? taskName : taskName[..(dot + 13)];
    }

    /// <summary>
    /// New tasks (started since this target's last request) that failed or were rejected; before any request, the
    /// newest task of each wanted slot when it failed. Failures of replaced tasks long gone are history, not news.
    /// </summary>
    private IReadOnlyList<string> Failures(IList<TaskResponse> tasks, int desired)
    {
        IEnumerable<TaskResponse> candidates = _tasksBeforeRequest is { } before
            ? tasks.Where(t => !before.Contains(t.ID))
            : tasks.Where(t => t.Slot <= desired).GroupBy(t => t.Slot).Select(slot => slot.MaxBy(t => t.CreatedAt)!);
        return candidates
            .Where(t => t.Status?.State is TaskState.Failed or TaskState.Rejected)
            .Select(t => $"{TaskName(t)}: {t.Status.State.ToString().ToLowerInvariant()}" +
                         (string.IsNullOrEmpty(t.Status.Err) ? "" : $" ({t.Status.Err})") +
                         (t.Status.ContainerStatus is { ExitCode: not 0 } container ? $", exit code {container.ExitCode}" : ""))
            .ToArray();
    }

    /// <summary>
    /// What makes a task one of the current spec: its image, command, arguments and environment, and the force-update
    /// counter. Swarm leaves other fields (restart policy, grace period) out of the copy a task keeps.
    /// </summary>
    private static string SpecIdentity(TaskSpec? spec) => JsonSerializer.Serialize(new
    {
        spec?.ContainerSpec?.Image,
        spec?.ContainerSpec?.Command,
        spec?.ContainerSpec?.Args,
        spec?.ContainerSpec?.Env,
        spec?.ForceUpdate,
    });

    private string TaskName(TaskResponse task) => $"{_settings.Service}.{task.Slot}.{task.ID[..Math.Min(12, task.ID.Length)]}";

    /// <summary>Task states before it ends: it may still run (or be about to).</summary>
    private static bool IsActive(TaskState? state) => state is TaskState.New or TaskState.Allocated or TaskState.Pending or TaskState.Assigned
        or TaskState.Accepted or TaskState.Preparing or TaskState.Ready or TaskState.Starting or TaskState.Running;

    private static bool IsOutOfSequence(DockerApiException e) =>
        e.ResponseBody?.Contains("update out of sequence", StringComparison.OrdinalIgnoreCase) == true;

    private OpsException? Describe(Exception e, string what) => e switch
    {
        OperationCanceledException => null,
        DockerApiException { StatusCode: HttpStatusCode.NotFound } => new OpsException(ScalingErrorIds.SwarmServiceNotFound, FailureKind.NotFound,
            $"The Swarm at {_settings.Endpoint} has no service '{_settings.Service}'; check the target's Service (docker service ls).", Definition, e),
        DockerApiException api => new OpsException(ScalingErrorIds.ScaleTargetRefused, FailureKind.OperationFailed,
            $"The Docker Engine at {_settings.Endpoint} refused to {what} service '{_settings.Service}' ({(int)api.StatusCode}): {api.ResponseBody?.Trim()}", Definition, e),
        TimeoutException or HttpRequestException or IOException or System.Net.Sockets.SocketException => new OpsException(
            ScalingErrorIds.ScaleTargetUnreachable, FailureKind.ConnectionFailed,
            $"The Docker Engine at {_settings.Endpoint} did not answer ({e.Message}); check that dockerd runs there and is a Swarm manager.", Definition, e),
        _ => null,
    };
}
