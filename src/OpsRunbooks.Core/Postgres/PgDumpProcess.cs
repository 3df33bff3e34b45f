using System.Diagnostics;
using System.Text;

namespace OpsRunbooks.Postgres;

/// <summary>
/// A running `pg_dump --format=custom` whose archive is read from its standard output. The password goes
/// through the child's environment, never its arguments; disposing kills the process if it still runs.
/// </summary>
public sealed class PgDumpProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _errorsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PgDumpProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _errorsDone.TrySetResult();
            else lock (_errors) _errors.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
    }

    public Stream Output => _process.StandardOutput.BaseStream;

    public int ProcessId => _process.Id;

    public static PgDumpProcess Start(PgTool pgDump, PostgresTarget target, string? snapshotId)
    {
        var start = new ProcessStartInfo(pgDump.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--format=custom", "--no-password",
                     "--host", target.Host, "--port", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--username", target.Credential.UserName, "--dbname", target.Database,
                 })
            start.ArgumentList.Add(argument);
        if (snapshotId is not null) start.ArgumentList.Add("--snapshot=" + snapshotId);
        start.Environment["PGPASSWORD"] = target.Credential.Password;
        start.Environment.Remove("PGPASSFILE");
        start.Environment["PGCONNECT_TIMEOUT"] = "15";
        start.Environment["LC_MESSAGES"] = "C";
        try
        {
            return new PgDumpProcess(Process.Start(start)!);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new OpsException("PgDumpNotFound", FailureKind.NotInstalled, $"pg_dump at '{pgDump.Path}' could not be started: {e.Message}", pgDump.Path, e);
        }
    }

    /// <summary>Waits for pg_dump to exit and fails with its own error text if it did not succeed.</summary>
    public async Task WaitForSuccessAsync(PostgresTarget target, CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _errorsDone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_process.ExitCode != 0)
        {
            string errors;
            lock (_errors) errors = _errors.ToString().Trim();
            throw new OpsException("PgDumpFailed", FailureKind.OperationFailed,
                $"pg_dump of {target} exited with code {_process.ExitCode}: {errors}", target);
        }
    }

    /// <summary>Ends pg_dump and anything it started; safe to call more than once.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
