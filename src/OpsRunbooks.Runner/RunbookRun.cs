using System.Collections;
using System.Diagnostics;

namespace OpsRunbooks.Runner;

/// <summary>
/// One run of a runbook script: its id, its lock, its timeout, its exit status, its summary printed and
/// recorded in the operations log.
/// </summary>
public static class RunbookRun
{
    /// <summary>Set for the run to a new id, so that what the run records carries it, child processes included.</summary>
    public const string RunIdVariable = "OPSRUNBOOKS_RUN_ID";

    public static int Run(IReadOnlyList<string> arguments)
    {
        RunOptions options;
        Hashtable parameters;
        string modulePath;
        try
        {
            options = RunOptions.Parse(arguments);
            parameters = ScriptArguments.Parse(options.ScriptArguments);
            modulePath = ModuleLocator.Find();
        }
        catch (ArgumentException e)
        {
            return Usage.Wrong(e.Message);
        }
        var scriptPath = Resolve(options.Script);
        if (scriptPath is null)
            return Usage.Wrong($"no script '{options.Script}' in {Directory.GetCurrentDirectory()} or the runbooks folder.");

        var runId = Guid.CreateVersion7().ToString();
        Environment.SetEnvironmentVariable(RunIdVariable, runId);
        var environment = parameters["Environment"] as string;
        var summary = new RunSummary
        {
            RunId = runId,
            Script = DisplayName(scriptPath),
            Environment = environment,
            Parameters = RunSummary.MaskSecrets(scriptPath, parameters),
            StartedUtc = DateTime.UtcNow,
        };
        var clock = Stopwatch.StartNew();

        using var interruption = new Interruption();
        var lockPath = RunbookLock.PathOf(scriptPath, environment);
        RunbookLock? runbookLock;
        try
        {
            runbookLock = RunbookLock.TryTake(lockPath, runId, options.WaitLock, () => interruption.Reason is not null, holder =>
                Console.Error.WriteLine($"opsrunbook: {summary.Script}{ForEnvironment(environment)} is running already ({holder})" +
                    (options.WaitLock is { } wait ? $"; waiting up to {wait} for it to end." : ".")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"opsrunbook: cannot take the lock {lockPath}: {e.Message} Set ${RunbookLock.StateDirectoryVariable} to a directory this user can write.");
            return ExitCodes.Failed;
        }
        using (runbookLock)
        using (var session = new RunnerSession(modulePath))
        {
            if (runbookLock is null && interruption.Reason is { } waitStopped)
            {
                summary.ExitCode = interruption.ExitCode;
                Console.Error.WriteLine($"opsrunbook: interrupted by {waitStopped} while waiting for the lock; not run; exit code {interruption.ExitCode}.");
            }
            else if (runbookLock is null)
            {
                summary.ExitCode = ExitCodes.Locked;
                Console.Error.WriteLine($"opsrunbook: not run, the other run holds the lock {lockPath}; exit code {ExitCodes.Locked}.");
                summary.FirstError = ("RunbookLocked", $"Not run: {summary.Script}{ForEnvironment(environment)} was running already ({RunbookLock.Holder(lockPath)}).");
                session.Record(summary, EnvironmentPath(scriptPath, parameters), clock.Elapsed);
            }
            else
            {
                if (options.Timeout is { } timeout) interruption.StopAfter(timeout);
                summary.ExitCode = session.RunScript(scriptPath, parameters, interruption, summary);
                if (interruption.Reason is { } reason)
                {
                    summary.StopMessage = reason == StopReason.Timeout ? $"Stopped by --timeout {options.Timeout}." : $"Stopped by {reason}.";
                    Console.Error.WriteLine(reason == StopReason.Timeout
                        ? $"opsrunbook: stopped by --timeout {options.Timeout}: the runbook was stopped after its cleanup; exit code {interruption.ExitCode}."
                        : $"opsrunbook: interrupted by {reason}: the runbook was stopped after its cleanup; exit code {interruption.ExitCode}.");
                }
                session.Record(summary, EnvironmentPath(scriptPath, parameters), clock.Elapsed);
            }
        }
        summary.Duration = clock.Elapsed;
        Console.Error.WriteLine(summary.ToText());
        return summary.ExitCode;
    }

    /// <summary>Where the runbook reads its environment file: its -EnvironmentPath, else the environments folder beside its own folder.</summary>
    private static string EnvironmentPath(string scriptPath, Hashtable parameters) =>
        parameters["EnvironmentPath"] as string ?? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(scriptPath)!, "..", "environments"));

    private static string ForEnvironment(string? environment) => environment is null ? "" : $" for {environment}";

    /// <summary>A script in the runbooks folder by its path there (backup/Invoke-NightlyBackup.ps1), any other by its full path.</summary>
    private static string DisplayName(string scriptPath)
    {
        var folder = ModuleLocator.FindRunbooks();
        var relative = folder is null ? null : Path.GetRelativePath(folder, scriptPath);
        return relative is null || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? scriptPath : relative.Replace('\\', '/');
    }

    private static string? Resolve(string script)
    {
        if (File.Exists(script)) return Path.GetFullPath(script);
        var folder = ModuleLocator.FindRunbooks();
        var inRunbooks = folder is null || Path.IsPathRooted(script) ? null : Path.Combine(folder, script);
        return inRunbooks is not null && File.Exists(inRunbooks) ? Path.GetFullPath(inRunbooks) : null;
    }
}
