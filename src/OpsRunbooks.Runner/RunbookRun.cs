using System.Collections;
using System.Reflection;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace OpsRunbooks.Runner;

/// <summary>One run of a runbook script: the engine, the module, the script, and its exit status.</summary>
public static class RunbookRun
{
    public static int Run(string script, IReadOnlyList<string> arguments)
    {
        var scriptPath = Resolve(script);
        if (scriptPath is null)
            return Usage.Wrong($"no script '{script}' in {Directory.GetCurrentDirectory()} or the runbooks folder.");
        Hashtable parameters;
        string modulePath;
        try
        {
            parameters = ScriptArguments.Parse(arguments);
            modulePath = ModuleLocator.Find();
        }
        catch (ArgumentException e)
        {
            return Usage.Wrong(e.Message);
        }
        // #Requires -Modules OpsRunbooks then finds the module by name, as pwsh does with the folder on PSModulePath.
        var modulesFolder = Path.GetDirectoryName(Path.GetDirectoryName(modulePath))!;
        Environment.SetEnvironmentVariable("PSModulePath",
            string.Join(Path.PathSeparator, new[] { modulesFolder, Environment.GetEnvironmentVariable("PSModulePath") }.Where(p => !string.IsNullOrEmpty(p))));

        using var interruption = new Interruption();
        var host = new RunnerHost();
        using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
        runspace.Open();
        runspace.SessionStateProxy.Path.SetLocation(Directory.GetCurrentDirectory());
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;

        var errors = 0;
        shell.Streams.Error.DataAdded += (_, e) =>
        {
            errors++;
            var record = shell.Streams.Error[e.Index];
            Console.Error.WriteLine($"ERROR: {record} ({record.FullyQualifiedErrorId})");
        };

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
        catch (RuntimeException) when (interruption.Signal is not null)
        {
            // The stop that the signal asked for.
        }
        catch (ParameterBindingException e) when (e.ErrorRecord.InvocationInfo?.MyCommand is ExternalScriptInfo bound && bound.Path == scriptPath)
        {
            Console.Error.WriteLine($"opsrunbook: {e.Message} ({e.ErrorRecord.FullyQualifiedErrorId})");
            Console.Error.WriteLine($"Run 'Get-Help {scriptPath} -Full' in pwsh, or read the script's help, for its parameters.");
            return ExitCodes.Usage;
        }
        catch (RuntimeException e)
        {
            WriteOutput(runspace, output);
            Console.Error.WriteLine($"ERROR: {e.ErrorRecord} ({e.ErrorRecord.FullyQualifiedErrorId})");
            return ExitCodes.Failed;
        }

        WriteOutput(runspace, output);
        if (interruption.Signal is { } signal)
        {
            Console.Error.WriteLine($"opsrunbook: interrupted by {signal}: the runbook was stopped after its cleanup; exit code {interruption.ExitCode}.");
            return interruption.ExitCode;
        }
        return host.ExitCode ?? (errors > 0 ? ExitCodes.Failed : ExitCodes.Success);
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
