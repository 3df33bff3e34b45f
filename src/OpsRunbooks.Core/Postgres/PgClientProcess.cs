using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OpsRunbooks.Postgres;

/// <summary>
/// A running PostgreSQL client program (pg_dump, pg_restore) connected to a target, with its data on
/// standard output or standard input. The password goes through the child's environment, never its
/// arguments; disposing kills the process if it still runs.
/// </summary>
public sealed class PgClientProcess : IDisposable
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly PgTool _tool;
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _errorsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PgClientProcess(Process process, PgTool tool)
    {
        _process = process;
        _tool = tool;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) _errorsDone.TrySetResult();
            else lock (_errors) _errors.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
    }

    public Stream Output => _process.StandardOutput.BaseStream;

    public Stream Input => _process.StandardInput.BaseStream;

    public int ProcessId => _process.Id;

    /// <summary>
    /// `pg_dump --format=custom --compress=0` of the target to standard output: uncompressed, for
    /// <see cref="CustomArchiveCompressor"/> to compress beside it.
    /// </summary>
    public static PgClientProcess StartDump(PgTool pgDump, PostgresTarget target) =>
        Start(pgDump, target, ["--format=custom", "--compress=0", .. ConnectionArguments(target)], redirectInput: false);

    /// <summary>`pg_restore` of an archive read from standard input (or <paramref name="archivePath"/>) into the target database.</summary>
    public static PgClientProcess StartRestore(PgTool pgRestore, PostgresTarget target, IEnumerable<string> options, string? archivePath = null) =>
        Start(pgRestore, target, [.. ConnectionArguments(target), "--exit-on-error", .. options, .. archivePath is null ? Array.Empty<string>() : [archivePath]],
            redirectInput: archivePath is null);

    /// <summary>`pg_restore --list` of an archive read from standard input: its table of contents, on standard output.</summary>
    public static PgClientProcess StartList(PgTool pgRestore) =>
        Start(pgRestore, null, ["--list"], redirectInput: true);

    private static string[] ConnectionArguments(PostgresTarget target) =>
    [
        "--no-password",
        "--host", target.Host, "--port", target.Port.ToString(CultureInfo.InvariantCulture),
        "--username", target.Credential.UserName, "--dbname", target.Database,
    ];

    private static PgClientProcess Start(PgTool tool, PostgresTarget? target, IEnumerable<string> arguments, bool redirectInput)
    {
        var start = new ProcessStartInfo(tool.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (target is not null) start.Environment["PGPASSWORD"] = target.Credential.Password;
        start.Environment.Remove("PGPASSFILE");
        start.Environment["PGCONNECT_TIMEOUT"] = "15";
        start.Environment["LC_MESSAGES"] = "C";
        try
        {
            return new PgClientProcess(Process.Start(start)!, tool);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new OpsException(PgTool.NotFoundErrorId(tool.Name), FailureKind.NotInstalled, $"{tool.Name} at '{tool.Path}' could not be started: {e.Message}", tool.Path, e);
        }
    }

    /// <summary>What the program wrote to standard error so far.</summary>
    public string Errors
    {
        get
        {
            lock (_errors) return _errors.ToString().Trim();
        }
    }

    /// <summary>Waits for the program to exit and fails with its own error text (and the signal that killed it) if it did not succeed.</summary>
    public async Task WaitForSuccessAsync(object target, CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _errorsDone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_process.ExitCode != 0)
        {
            var errors = Errors;
            throw new OpsException(FailedErrorId, FailureKind.OperationFailed,
                $"{_tool.Name} of {target} {DescribeExit(_process.ExitCode)}" + (errors.Length > 0 ? ": " + errors : "."), target);
        }
    }

    /// <summary>
    /// "exited with code 1", or, for a program killed by a signal, which one: on Unix .NET reports a child killed by
    /// signal N as exit code 128 + N, as shells do, and pg_dump and pg_restore themselves exit only with 0 or 1.
    /// </summary>
    public static string DescribeExit(int exitCode)
    {
        if (OperatingSystem.IsWindows() || exitCode is <= 128 or > 128 + 64)
            return $"exited with code {exitCode}";
        var signal = exitCode - 128;
        var name = signal switch
        {
            1 => "SIGHUP",
            2 => "SIGINT",
            3 => "SIGQUIT",
            4 => "SIGILL",
            6 => "SIGABRT",
            7 => "SIGBUS",
            8 => "SIGFPE",
            9 => "SIGKILL",
            10 => "SIGUSR1",
            11 => "SIGSEGV",
            12 => "SIGUSR2",
            13 => "SIGPIPE",
            14 => "SIGALRM",
            15 => "SIGTERM",
            24 => "SIGXCPU",
            25 => "SIGXFSZ",
            _ => $"signal {signal}",
        };
        var why = signal switch
        {
            9 => " (sent by the out-of-memory killer, a timeout or an operator; see the system log, e.g. dmesg or journalctl -k)",
            15 or 2 or 1 => " (sent by a service manager, a timeout or an operator)",
            _ => "",
        };
        return $"was killed by {name} (signal {signal}, exit code {exitCode}){why}";
    }

    /// <summary>The error id of this program's failure: PgDumpFailed, PgRestoreFailed.</summary>
    public string FailedErrorId => _tool.Name switch
    {
        "pg_dump" => PostgresErrorIds.PgDumpFailed,
        "pg_restore" => PostgresErrorIds.PgRestoreFailed,
        _ => _tool.Name + "Failed",
    };

    /// <summary>
    /// Ends the program and anything it started, and waits for it to be gone, so no process (nor zombie) outlives
    /// a failed or cancelled backup or restore; safe to call more than once.
    /// </summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        // SIGKILL cannot be caught: the wait ends as soon as the kernel has ended the process and it was reaped.
        _process.WaitForExit(KillWait);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
