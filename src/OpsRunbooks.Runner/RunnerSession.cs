using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace OpsRunbooks.Runner;

/// <summary>
/// The embedded engine of a run, with the OpsRunbooks module imported: it runs the runbook and then records
/// the run's summary through the module (Write-OperationLog), since the module's core lives in the module's
/// own assembly load context, where only the module reaches it.
/// </summary>
public sealed class RunnerSession(string modulePath) : IDisposable
{
    private readonly RunnerHost _host = new();
    private Runspace? _runspace;
    private bool _moduleImported;

    private Runspace Runspace
    {
        get
        {
            if (_runspace is not null) return _runspace;
            // #Requires -Modules OpsRunbooks then finds the module by name, as pwsh does with the folder on PSModulePath.
            var modulesFolder = Path.GetDirectoryName(Path.GetDirectoryName(modulePath))!;
            Environment.SetEnvironmentVariable("PSModulePath",
                string.Join(Path.PathSeparator, new[] { modulesFolder, Environment.GetEnvironmentVariable("PSModulePath") }.Where(p => !string.IsNullOrEmpty(p))));
            _runspace = RunspaceFactory.CreateRunspace(_host, InitialSessionState.CreateDefault2());
            _runspace.Open();
            _runspace.SessionStateProxy.Path.SetLocation(Directory.GetCurrentDirectory());
            return _runspace;
        }
    }

    /// <summary>Runs the script to its end, or until <paramref name="interruption"/> stops it; counts into the summary; returns the exit code.</summary>
    public int RunScript(string scriptPath, Hashtable parameters, Interruption interruption, RunSummary summary)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = Runspace;
        shell.Streams.Error.DataAdded += (_, e) =>
        {
            var record = shell.Streams.Error[e.Index];
            summary.NoteError(record.FullyQualifiedErrorId, record.ToString());
            Console.Error.WriteLine($"ERROR: {record} ({record.FullyQualifiedErrorId})");
        };
        shell.Streams.Warning.DataAdded += (_, _) => summary.Warnings++;

        // What the script outputs is formatted once it has ended, however it ended: an "exit 1" after the
        // output would otherwise end the pipeline before Out-Default writes its table (pwsh -File loses it so).
        var output = new List<PSObject>();
        try
        {
            AddImport(shell);
            interruption.Invoke(shell, output);
            _moduleImported = interruption.Reason is null;
            shell.Commands.Clear();
            PassOnTheScriptsExit(Runspace);
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
            summary.NoteError(e.ErrorRecord.FullyQualifiedErrorId, e.Message);
            return ExitCodes.Usage;
        }
        catch (RuntimeException e)
        {
            summary.Objects = output.Count;
            WriteOutput(output);
            Console.Error.WriteLine($"ERROR: {e.ErrorRecord} ({e.ErrorRecord.FullyQualifiedErrorId})");
            summary.NoteError(e.ErrorRecord.FullyQualifiedErrorId, e.ErrorRecord.ToString());
            return ExitCodes.Failed;
        }

        summary.Objects = output.Count;
        WriteOutput(output);
        if (interruption.Reason is not null) return interruption.ExitCode;
        return _host.ExitCode ?? (summary.Errors > 0 ? ExitCodes.Failed : ExitCodes.Success);
    }

    /// <summary>
    /// Writes the run's entry to the operations log of its environment (read from <paramref name="environmentPath"/>,
    /// as the runbook reads it), or to the default log when the run has none or it cannot be read. A log that
    /// cannot be written is a warning on standard error, never a failure of the run.
    /// </summary>
    public void Record(RunSummary summary, string environmentPath, TimeSpan elapsed)
    {
        try
        {
            RecordThroughTheModule(summary, environmentPath, elapsed);
        }
        catch (RuntimeException e)
        {
            Console.Error.WriteLine($"WARNING: The run is not recorded in the operations log: {e.Message}");
        }
    }

    private void RecordThroughTheModule(RunSummary summary, string environmentPath, TimeSpan elapsed)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = Runspace;
        if (!_moduleImported)
        {
            AddImport(shell);
            shell.Invoke();
            shell.Commands.Clear();
            _moduleImported = true;
        }
        object? environment = null;
        if (summary.Environment is { } name)
        {
            shell.AddCommand("Get-OpsEnvironment").AddParameter("Name", name).AddParameter("Path", environmentPath);
            var found = shell.Invoke();
            environment = found.FirstOrDefault();
            if (environment is null)
                Console.Error.WriteLine($"WARNING: The run is recorded in the default operations log: its environment could not be read ({shell.Streams.Error.FirstOrDefault()}).");
            shell.Commands.Clear();
            shell.Streams.Error.Clear();
        }
        var entry = summary.ToEntry(elapsed);
        shell.AddCommand("Write-OperationLog")
            .AddParameter("Operation", "RunbookRun")
            .AddParameter("Target", summary.Script)
            .AddParameter("StartedAt", summary.StartedUtc)
            .AddParameter("Outcome", entry.Outcome)
            .AddParameter("Figures", entry.Figures)
            .AddParameter("Message", entry.Message);
        if (entry.ErrorId is { } errorId) shell.AddParameter("ErrorId", errorId);
        if (environment is not null) shell.AddParameter("Environment", environment);
        shell.Invoke();
        foreach (var error in shell.Streams.Error)
            Console.Error.WriteLine($"WARNING: The run is not recorded in the operations log: {error} ({error.FullyQualifiedErrorId})");
    }

    private void AddImport(System.Management.Automation.PowerShell shell) =>
        shell.AddCommand("Import-Module").AddParameter("Name", modulePath).AddParameter("ErrorAction", ActionPreference.Stop);

    private void WriteOutput(List<PSObject> output)
    {
        if (output.Count == 0) return;
        using var formatter = System.Management.Automation.PowerShell.Create();
        formatter.Runspace = Runspace;
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

    public void Dispose() => _runspace?.Dispose();
}
