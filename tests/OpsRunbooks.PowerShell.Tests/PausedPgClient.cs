namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A PostgreSQL client program (pg_dump by default, or pg_restore) that does its real work and then pauses
/// with its output still open, so a test can act (stop the pipeline, stop a server) while the backup or
/// restore is surely still running. Runs given <c>passThroughArgument</c> (such as --list) are not paused.
/// </summary>
public sealed class PausedPgClient : IDisposable
{
    public PausedPgClient(int pauseSeconds, string program = "pg_dump", string? passThroughArgument = null)
    {
        Marker = "opsrunbooks-paused-" + Guid.NewGuid().ToString("N")[..8];
        PathName = Path.Combine(Path.GetTempPath(), Marker);
        File.WriteAllText(PathName,
            "#!/bin/bash\n" +
            $"if [ \"$1\" = --version ]; then exec {program} --version; fi\n" +
            (passThroughArgument is null ? "" : $"for a in \"$@\"; do if [ \"$a\" = {passThroughArgument} ]; then exec {program} \"$@\"; fi; done\n") +
            $"{program} \"$@\"\n" +
            $"exec -a {Marker}-pause sleep {pauseSeconds}\n");
        File.SetUnixFileMode(PathName, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
    }

    /// <summary>Appears in the command line of the pausing process, so a test can tell whether it still runs.</summary>
    public string Marker { get; }

    public string PathName { get; }

    public IEnumerable<int> RunningProcesses() => ProcessesWith(Marker);

    /// <summary>The process that pauses once the client has done its work, its output still open; none before.</summary>
    public IEnumerable<int> PausingProcesses() => ProcessesWith(Marker + "-pause");

    public bool IsPausing => PausingProcesses().Any();

    private static IEnumerable<int> ProcessesWith(string commandLinePart) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => (Pid: Path.GetFileName(d), CommandLine: TryRead(Path.Combine(d, "cmdline"))))
            .Where(p => int.TryParse(p.Pid, out _) && p.CommandLine.Contains(commandLinePart, StringComparison.Ordinal))
            .Select(p => int.Parse(p.Pid));

    /// <summary>Starts a script and returns once it reports progress whose status starts with <paramref name="phase"/>.</summary>
    public static async Task<IAsyncResult> BeginUntilPhaseAsync(System.Management.Automation.PowerShell shell, string phase)
    {
        var reached = new TaskCompletionSource();
        shell.Streams.Progress.DataAdded += (_, e) =>
        {
            if (shell.Streams.Progress[e.Index].StatusDescription.StartsWith(phase, StringComparison.Ordinal)) reached.TrySetResult();
        };
        var running = shell.BeginInvoke();
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return running;
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    public void Dispose() => File.Delete(PathName);
}
