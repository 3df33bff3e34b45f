using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Completion;

/// <summary>
/// Completes -DatabaseServer (and the server names of an upgrade) with the DatabaseServers entries of the
/// environment given on the same command line; without one there is nothing to offer.
/// </summary>
public sealed class DatabaseServerNameCompleter : IArgumentCompleter
{
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
        return environment is OpsEnvironment loaded
            ? Completions.Matching(wordToComplete, loaded.DatabaseServers.Select(s => (s.Name, s.ToString())))
            : [];
    }
}
