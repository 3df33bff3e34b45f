using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using OpsRunbooks.TestSupport;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>What one script run produced, stream by stream.</summary>
public sealed record EngineResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<WarningRecord> Warnings,
    IReadOnlyList<VerboseRecord> Verbose,
    IReadOnlyList<ProgressRecord> Progress,
    RuntimeException? Terminating)
{
    public EngineResult EnsureSuccess()
    {
        if (Terminating is not null || Errors.Count > 0)
        {
            var messages = Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}").Prepend(Terminating?.ToString()).OfType<string>();
            throw new Xunit.Sdk.XunitException("The script failed:\n" + string.Join("\n", messages));
        }
        return this;
    }

    public ErrorRecord SingleError() => Terminating?.ErrorRecord ?? Errors.Single();
}

/// <summary>
/// The real PowerShell engine, hosted in-process, with the built module folder (out/OpsRunbooks)
/// imported the way a user imports it.
/// </summary>
public sealed class EngineSession : IDisposable
{
    private readonly Runspace _runspace;

    public EngineSession(string? workingDirectory = null)
    {
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        if (workingDirectory is not null) _runspace.SessionStateProxy.Path.SetLocation(workingDirectory);
        Invoke("Import-Module $args[0] -ErrorAction Stop", ModuleManifest).EnsureSuccess();
    }

    public static string ModuleDirectory => RepositoryPaths.Combine("out", "OpsRunbooks");
    public static string ModuleManifest => Path.Combine(ModuleDirectory, "OpsRunbooks.psd1");

    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    /// <summary>Runs a script; extra arguments arrive in $args.</summary>
    public EngineResult Invoke(string script, params object?[] arguments)
    {
        using var shell = CreateShell();
        shell.AddScript(script);
        foreach (var argument in arguments) shell.AddArgument(argument);
        return Collect(shell, () => shell.Invoke());
    }

    /// <summary>Runs a script file with named parameters, as a scheduled task would.</summary>
    public EngineResult InvokeFile(string path, IDictionary parameters)
    {
        using var shell = CreateShell();
        shell.AddCommand(path).AddParameters(parameters);
        return Collect(shell, () => shell.Invoke());
    }

    public System.Management.Automation.PowerShell CreateShell()
    {
        var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = _runspace;
        return shell;
    }

    public static EngineResult Collect(System.Management.Automation.PowerShell shell, Func<IEnumerable<PSObject>> run)
    {
        var output = new List<PSObject>();
        RuntimeException? terminating = null;
        try
        {
            output.AddRange(run());
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }
        return new EngineResult(output, [.. shell.Streams.Error], [.. shell.Streams.Warning], [.. shell.Streams.Verbose],
            [.. shell.Streams.Progress], terminating);
    }

    public void Dispose() => _runspace.Dispose();
}
