using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Completion;

/// <summary>
/// Completes -Environment (and Get-OpsEnvironment -Name) with the names of the environment files in the
/// directory a name is looked up in at run time: Get-OpsEnvironment's -Path when given, else
/// $env:OPSRUNBOOKS_ENVIRONMENT_PATH, else ./runbooks/environments.
/// </summary>
public sealed class EnvironmentNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var directory = parameterName == "Name" && fakeBoundParameters["Path"] is string path
            ? Completions.ProviderPath(path)
            : EnvironmentFile.DefaultDirectory(Completions.ProviderPath("."));
        if (!Directory.Exists(directory)) return [];
        return Completions.Matching(wordToComplete, Directory.EnumerateFiles(directory, "*.psd1")
            .Select(file => (Path.GetFileNameWithoutExtension(file), file)));
    }
}
