using System.Diagnostics;

namespace OpsRunbooks.Scaling.Targets.Supervisor;

/// <summary>
/// A supervisord program group scaled by starting and stopping its processes: numprocs is the ceiling, a count of N
/// runs the first N processes (in process number order) and stops the rest. Stopping is supervisord's own: the
/// stopsignal, then stopwaitsecs, then SIGKILL, which its log records and this reports.
/// </summary>
internal sealed class SupervisorScaleTarget : IScaleTarget
{
    // supervisor/states.py ProcessStates.
    private const int Stopped = 0, Starting = 10, Running = 20, Backoff = 30, Stopping = 40, Exited = 100, Fatal = 200;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long past the longest stopwaitsecs to wait for supervisord to report a process stopped.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(10);

    /// <summary>How much of supervisord's log to read for its SIGKILL lines after a scale-down.</summary>
    private const int LogTailBytes = 256 * 1024;

    private readonly SupervisorTargetSettings _settings;
    private readonly SupervisorXmlRpc _rpc;

    public SupervisorScaleTarget(WorkerScaleTarget definition, SupervisorTargetSettings settings)
    {
        Definition = definition;
        _settings = settings;
        _rpc = new SupervisorXmlRpc(settings);
    }

    public WorkerScaleTarget Definition { get; }

    public async Task<ScaleState> GetScaleAsync(CancellationToken cancellationToken)
    {
        var processes = await GroupProcessesAsync(cancellationToken);
        var wanted = processes.Where(p => p.State is not (Stopped or Stopping)).ToArray();
        return new ScaleState(
            Desired: wanted.Length,
            Running: processes.Count(p => p.Pid != 0),
            Ready: processes.Count(p => p.State == Running),
            Stopping: processes.Count(p => p.State == Stopping),
            Failures: wanted.Where(p => p.State is Backoff or Fatal or Exited).Select(p => p.Failure).ToArray(),
            Killed: [],
            Ceiling: processes.Count);
    }

    public async Task<ScaleAction> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        var processes = await GroupProcessesAsync(cancellationToken);
        if (replicas > processes.Count)
            throw new OpsException(ScalingErrorIds.ScaleAboveCeiling, FailureKind.InvalidArgument,
                $"The Supervisor group '{_settings.Group}' has numprocs = {processes.Count}, so it cannot run {replicas}; raise numprocs in its program section and run supervisorctl update.", Definition);

        foreach (var process in processes.Take(replicas).Where(p => p.State is not (Starting or Running or Backoff)))
            await StartAsync(process, cancellationToken);

        var surplus = processes.Skip(replicas).ToArray();
        // A process that crashed (FATAL) or exited cannot be stopped, yet supervisord still counts it as wanted: starting
        // it and stopping it at once leaves it STOPPED, as one an operator stopped.
        foreach (var process in surplus.Where(p => p.State is Fatal or Exited))
            await StartAsync(process, cancellationToken, ignoreSpawnFailure: true);
        var toStop = surplus.Where(p => p.State is not Stopped).ToArray();
        if (toStop.Length == 0) return ScaleAction.Requested;

        var stopwatch = Stopwatch.StartNew();
        foreach (var process in toStop)
            await StopAsync(process, cancellationToken);
        var stopWait = TimeSpan.FromSeconds(await LongestStopWaitAsync(cancellationToken)) + StopMargin;
        var stopped = await WaitUntilStoppedAsync(toStop, stopWait, cancellationToken);
        var drainDuration = stopwatch.Elapsed;
        var killed = await KilledAsync(toStop, cancellationToken);
        if (!stopped)
            throw new OpsException(ScalingErrorIds.ScaleNotConverged, FailureKind.OperationFailed,
                $"supervisord had not stopped {string.Join(", ", toStop.Select(p => p.Name))} of group '{_settings.Group}' after {stopWait.TotalSeconds:0} s; " +
                "a process that survives SIGKILL is stuck in the kernel: look at it on the host.", Definition);
        return new ScaleAction(toStop.Select(p => p.Name).ToArray(), drainDuration, killed);
    }

    private async Task StartAsync(ProcessInfo process, CancellationToken cancellationToken, bool ignoreSpawnFailure = false)
    {
        try
        {
            // wait = false: the core waits for readiness itself, for all processes at once.
            await _rpc.CallAsync("supervisor.startProcess", cancellationToken, process.Namespec, false);
        }
        catch (SupervisorFault fault) when (fault.Code == SupervisorFault.AlreadyStarted)
        {
        }
        catch (SupervisorFault fault) when (fault.Code is SupervisorFault.SpawnError or SupervisorFault.NoFile or SupervisorFault.NotExecutable)
        {
            if (ignoreSpawnFailure) return;
            // The process is left BACKOFF or FATAL, which GetScaleAsync reports as a failure.
            if (fault.Code != SupervisorFault.SpawnError)
                throw Refused(fault, $"cannot start {process.Namespec}");
        }
        catch (SupervisorFault fault)
        {
            throw Refused(fault, $"cannot start {process.Namespec}");
        }
    }

    private async Task StopAsync(ProcessInfo process, CancellationToken cancellationToken)
    {
        try
        {
            await _rpc.CallAsync("supervisor.stopProcess", cancellationToken, process.Namespec, false);
        }
        catch (SupervisorFault fault) when (fault.Code == SupervisorFault.NotRunning)
        {
        }
        catch (SupervisorFault fault)
        {
            throw Refused(fault, $"cannot stop {process.Namespec}");
        }
    }

    private async Task<bool> WaitUntilStoppedAsync(IReadOnlyList<ProcessInfo> processes, TimeSpan limit, CancellationToken cancellationToken)
    {
        var names = processes.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var now = await GroupProcessesAsync(cancellationToken);
            if (now.Where(p => names.Contains(p.Name)).All(p => p.State is Stopped or Exited or Fatal)) return true;
            if (stopwatch.Elapsed > limit) return false;
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private async Task<int> LongestStopWaitAsync(CancellationToken cancellationToken)
    {
        var configs = await _rpc.CallAsync("supervisor.getAllConfigInfo", cancellationToken) as List<object?> ?? [];
        return configs.OfType<Dictionary<string, object?>>()
            .Where(c => c.GetValueOrDefault("group") as string == _settings.Group)
            .Select(c => c.GetValueOrDefault("stopwaitsecs") as int? ?? 10)
            .DefaultIfEmpty(10).Max();
    }

    /// <summary>The processes supervisord's log says it killed with SIGKILL ("killing 'worker_03' (4711) with SIGKILL").</summary>
    private async Task<IReadOnlyList<string>> KilledAsync(IReadOnlyList<ProcessInfo> stopped, CancellationToken cancellationToken)
    {
        string log;
        try
        {
            log = await _rpc.CallAsync("supervisor.readLog", cancellationToken, -LogTailBytes, 0) as string ?? "";
        }
        catch (SupervisorFault)
        {
            // No readable main log (logfile = syslog): the exit status tells a kill by signal, not which signal.
            return [];
        }
        return stopped.Where(p => p.Pid != 0 && log.Contains($"killing '{p.Name}' ({p.Pid}) with SIGKILL", StringComparison.Ordinal))
            .Select(p => p.Name).ToArray();
    }

    /// <summary>The group's processes in process number order (worker_2 before worker_10).</summary>
    private async Task<IReadOnlyList<ProcessInfo>> GroupProcessesAsync(CancellationToken cancellationToken)
    {
        var all = await _rpc.CallAsync("supervisor.getAllProcessInfo", cancellationToken) as List<object?> ?? [];
        var processes = all.OfType<Dictionary<string, object?>>()
            .Where(p => p.GetValueOrDefault("group") as string == _settings.Group)
            .Select(ProcessInfo.From)
            .OrderBy(p => p.Name.Length).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToArray();
        return processes.Length > 0
            ? processes
            : throw new OpsException(ScalingErrorIds.ScaleTargetNotFound, FailureKind.NotFound,
                $"supervisord at {_settings.Url} has no program group '{_settings.Group}'; it has: " +
                string.Join(", ", all.OfType<Dictionary<string, object?>>().Select(p => p.GetValueOrDefault("group") as string).Distinct()) +
                ". Check the target's Group, or add the program and run supervisorctl update.", Definition);
    }

    private OpsException Refused(SupervisorFault fault, string what) =>
        new(ScalingErrorIds.ScaleTargetRefused, FailureKind.OperationFailed,
            $"supervisord at {_settings.Url} {what}: {fault.Text} (fault {fault.Code}).", Definition, fault);

    public ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record ProcessInfo(string Name, string Group, int State, string StateName, int Pid, string Description, int ExitStatus, string SpawnError)
    {
        public string Namespec => $"{Group}:{Name}";

        public string Failure => $"{Name}: {StateName}" + (State == Exited ? $" with exit status {ExitStatus}" : "") +
                                 (SpawnError.Length > 0 ? $" ({SpawnError})" : Description.Length > 0 && State != Exited ? $" ({Description})" : "");

        public static ProcessInfo From(Dictionary<string, object?> info) => new(
            info.GetValueOrDefault("name") as string ?? "",
            info.GetValueOrDefault("group") as string ?? "",
            info.GetValueOrDefault("state") as int? ?? -1,
            info.GetValueOrDefault("statename") as string ?? "",
            info.GetValueOrDefault("pid") as int? ?? 0,
            info.GetValueOrDefault("description") as string ?? "",
            info.GetValueOrDefault("exitstatus") as int? ?? 0,
            info.GetValueOrDefault("spawnerr") as string ?? "");
    }
}
