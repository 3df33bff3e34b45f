using OpsRunbooks.Environments;

namespace OpsRunbooks.PowerShell.Completion;

/// <summary>Completes -Database with the databases of the environment given on the same command line.</summary>
public sealed class DatabaseNameCompleter : EnvironmentEntryCompleter
{
    protected override IEnumerable<(string Name, string ToolTip)> Entries(OpsEnvironment environment) =>
        environment.Databases.Select(d => (d.Name, d.ToString()));
}
