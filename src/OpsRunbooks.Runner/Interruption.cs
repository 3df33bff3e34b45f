using System.Runtime.InteropServices;

namespace OpsRunbooks.Runner;

/// <summary>
/// SIGINT and SIGTERM alike stop the running pipeline instead of ending the process, so the cmdlets'
/// cleanup runs (pg_dump killed and reaped, the .partial file deleted, scratch databases dropped,
/// multipart uploads aborted) before the runner exits with 130 or 143.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly object _gate = new();
    private readonly PosixSignalRegistration[] _registrations;
    private System.Management.Automation.PowerShell? _running;

    public Interruption() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal { get; private set; }

    public int ExitCode => Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;

    /// <summary>
    /// Invokes the commands of <paramref name="shell"/>, adding what they output to <paramref name="output"/>,
    /// unless a signal came first; a signal during the run stops it.
    /// </summary>
    public void Invoke(System.Management.Automation.PowerShell shell, List<System.Management.Automation.PSObject> output)
    {
        lock (_gate)
        {
            if (Signal is not null) return;
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
        System.Management.Automation.PowerShell? running;
        lock (_gate)
        {
            Signal ??= context.Signal;
            running = _running;
        }
        // Further signals only repeat the request: cleanup is never cut short (SIGKILL still ends it).
        running?.BeginStop(null, null);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
