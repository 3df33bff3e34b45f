using System.Runtime.InteropServices;

namespace OpsRunbooks.Runner;

/// <summary>Why a run was stopped before it ended by itself.</summary>
public enum StopReason
{
    SIGINT,
    SIGTERM,
    Timeout,
}

/// <summary>
/// SIGINT, SIGTERM and the --timeout alike stop the running pipeline instead of ending the process, so the
/// cmdlets' cleanup runs (pg_dump killed and reaped, the .partial file deleted, scratch databases dropped,
/// multipart uploads aborted) before the runner exits with 130, 143 or 124.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly object _gate = new();
    private readonly PosixSignalRegistration[] _registrations;
    private Timer? _timeout;
    private System.Management.Automation.PowerShell? _running;

    public Interruption() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    /// <summary>The first reason to stop, if any came.</summary>
    public StopReason? Reason { get; private set; }

    public int ExitCode => Reason switch
    {
        StopReason.SIGTERM => ExitCodes.Terminated,
        StopReason.Timeout => ExitCodes.TimedOut,
        _ => ExitCodes.Interrupted,
    };

    /// <summary>Stops the run once <paramref name="timeout"/> has passed from now.</summary>
    public void StopAfter(TimeSpan timeout) =>
        _timeout = new Timer(_ => Stop(StopReason.Timeout), null, timeout, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Invokes the commands of <paramref name="shell"/>, adding what they output to <paramref name="output"/>,
    /// unless a stop came first; a stop during the run stops it.
    /// </summary>
    public void Invoke(System.Management.Automation.PowerShell shell, List<System.Management.Automation.PSObject> output)
    {
        lock (_gate)
        {
            if (Reason is not null) return;
            _running = shell;
        }
        try
        {
            shell.Invoke(null, output);
        }
        finally
        {
            lock (_gate) _running = null;
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Without this the runtime ends the process when the handler returns, before any cleanup.
        context.Cancel = true;
        Stop(context.Signal == PosixSignal.SIGTERM ? StopReason.SIGTERM : StopReason.SIGINT);
    }

    private void Stop(StopReason reason)
    {
        System.Management.Automation.PowerShell? running;
        lock (_gate)
        {
            Reason ??= reason;
            running = _running;
        }
        // Further stops only repeat the request: cleanup is never cut short (SIGKILL still ends it).
        running?.BeginStop(null, null);
    }

    public void Dispose()
    {
        _timeout?.Dispose();
        foreach (var registration in _registrations) registration.Dispose();
    }
}
