using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Completion;

/// <summary>
/// Completes a parameter with entries of the environment given on the same command line (-Environment as a
/// name or an object); without one there is nothing to offer.
/// </summary>
public abstract class EnvironmentEntryCompleter : IArgumentCompleter
{
    /// <summary>The entries to offer, each as its name and a tooltip.</summary>
    protected abstract IEnumerable<(string Name, string ToolTip)> Entries(OpsEnvironment environment);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var environment = fakeBoundParameters["Environment"] is PSObject wrapped ? wrapped.BaseObject : fakeBoundParameters["Environment"];
        try
        {
            if (environment is string name)
                environment = EnvironmentFile.Load(name, EnvironmentFile.DefaultDirectory(Completions.ProviderPath(".")));
        }
        catch (OpsException)
        {
            return []; // a name that does not load yet: the command itself will say why
        }
        return environment is OpsEnvironment loaded ? Completions.Matching(wordToComplete, Entries(loaded)) : [];
    }
}
