using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace OpsRunbooks.Runner;

/// <summary>
/// One run of a runbook script: its lock, the engine, the module, the script, its timeout, its exit status
/// and its summary.
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
        {
            if (runbookLock is null)
            {
                summary.ExitCode = interruption.Reason is null ? ExitCodes.Locked : interruption.ExitCode;
                Console.Error.WriteLine(interruption.Reason is null
                    ? $"opsrunbook: not run, the other run holds the lock {lockPath}; exit code {ExitCodes.Locked}."
                    : $"opsrunbook: interrupted by {interruption.Reason} while waiting for the lock; not run; exit code {interruption.ExitCode}.");
            }
            else
            {
                if (options.Timeout is { } timeout) interruption.StopAfter(timeout);
                summary.ExitCode = RunScript(scriptPath, parameters, modulePath, interruption, summary);
                if (interruption.Reason is { } reason)
                {
                    Console.Error.WriteLine(reason == StopReason.Timeout
                        ? $"opsrunbook: stopped by --timeout {options.Timeout}: the runbook was stopped after its cleanup; exit code {interruption.ExitCode}."
                        : $"opsrunbook: interrupted by {reason}: the runbook was stopped after its cleanup; exit code {interruption.ExitCode}.");
                }
            }
        }
        summary.Duration = clock.Elapsed;
        Console.Error.WriteLine(summary.ToText());
        return summary.ExitCode;
    }

    private static int RunScript(string scriptPath, Hashtable parameters, string modulePath, Interruption interruption, RunSummary summary)
    {
        // #Requires -Modules OpsRunbooks then finds the module by name, as pwsh does with the folder on PSModulePath.
        var modulesFolder = Path.GetDirectoryName(Path.GetDirectoryName(modulePath))!;
        Environment.SetEnvironmentVariable("PSModulePath",
            string.Join(Path.PathSeparator, new[] { modulesFolder, Environment.GetEnvironmentVariable("PSModulePath") }.Where(p => !string.IsNullOrEmpty(p))));

        var host = new RunnerHost();
        using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
        runspace.Open();
        runspace.SessionStateProxy.Path.SetLocation(Directory.GetCurrentDirectory());
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;

        shell.Streams.Error.DataAdded += (_, e) =>
        {
            summary.Errors++;
            var record = shell.Streams.Error[e.Index];
            Console.Error.WriteLine($"ERROR: {record} ({record.FullyQualifiedErrorId})");
        };
        shell.Streams.Warning.DataAdded += (_, _) => summary.Warnings++;

        // What the script outputs is formatted once it has ended, however it ended: an "exit 1" after the
        // output would otherwise end the pipeline before Out-Default writes its table (pwsh -File loses it so).
        var output = new List<PSObject>();
        try
        {
            shell.AddCommand("Import-Module").AddParameter("Name", modulePath).AddParameter("ErrorAction", ActionPreference.Stop);
            interruption.Invoke(shell, output);
            shell.Commands.Clear();
            PassOnTheScriptsExit(runspace);
            shell.AddCommand(scriptPath).AddParameters(parameters);
            interruption.Invoke(shell, output);
        }
        catch (RuntimeException) when (interruption.Reason is not null)
        {
            // The stop that the signal or the timeout asked for.
        }
        catch (ParameterBindingException e) when (e.ErrorRecord.InvocationInfo?.MyCommand is ExternalScriptInfo bound && bound.Path == scriptPath)
        {
            Console.Error.WriteLine($"opsrunbook: {e.Message} ({e.ErrorRecord.FullyQualifiedErrorId})");
            Console.Error.WriteLine($"Run 'Get-Help {scriptPath} -Full' in pwsh, or read the script's help, for its parameters.");
            return ExitCodes.Usage;
        }
        catch (RuntimeException e)
        {
            summary.Objects = output.Count;
            WriteOutput(runspace, output);
            Console.Error.WriteLine($"ERROR: {e.ErrorRecord} ({e.ErrorRecord.FullyQualifiedErrorId})");
            summary.Errors++;
            return ExitCodes.Failed;
        }

        summary.Objects = output.Count;
        WriteOutput(runspace, output);
        if (interruption.Reason is not null) return interruption.ExitCode;
        return host.ExitCode ?? (summary.Errors > 0 ? ExitCodes.Failed : ExitCodes.Success);
    }

    private static string ForEnvironment(string? environment) => environment is null ? "" : $" for {environment}";

    /// <summary>A script in the runbooks folder by its path there (backup/Invoke-NightlyBackup.ps1), any other by its full path.</summary>
    private static string DisplayName(string scriptPath)
    {
        var folder = ModuleLocator.FindRunbooks();
        var relative = folder is null ? null : Path.GetRelativePath(folder, scriptPath);
        return relative is null || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? scriptPath : relative.Replace('\\', '/');
    }

    private static void WriteOutput(Runspace runspace, List<PSObject> output)
    {
        if (output.Count == 0) return;
        using var formatter = System.Management.Automation.PowerShell.Create();
        formatter.Runspace = runspace;
        formatter.AddCommand("Out-Default").Invoke(output);
    }

    /// <summary>
    /// Makes the script's own "exit N" end the run with N, as pwsh -File does. By default the engine
    /// keeps an exit inside a script file to that script (it only sets $LASTEXITCODE, which native
    /// commands set too); pwsh -File sets this engine switch, which has no public API, so that the exit
    /// reaches the host's SetShouldExit. It applies to the next script started, the runbook.
    /// </summary>
    private static void PassOnTheScriptsExit(Runspace runspace)
    {
        const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;
        var context = typeof(Runspace).GetProperty("ExecutionContext", Internal)!.GetValue(runspace)!;
        context.GetType().GetProperty("ScriptCommandProcessorShouldRethrowExit", Internal)!.SetValue(context, true);
    }

    private static string? Resolve(string script)
    {
        if (File.Exists(script)) return Path.GetFullPath(script);
        var folder = ModuleLocator.FindRunbooks();
        var inRunbooks = folder is null || Path.IsPathRooted(script) ? null : Path.Combine(folder, script);
        return inRunbooks is not null && File.Exists(inRunbooks) ? Path.GetFullPath(inRunbooks) : null;
    }
}
