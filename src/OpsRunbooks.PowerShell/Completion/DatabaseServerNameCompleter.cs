using OpsRunbooks.Environments;

namespace OpsRunbooks.PowerShell.Completion;

/// <summary>
/// Completes -DatabaseServer (and the server names of an upgrade) with the DatabaseServers entries of the
/// environment given on the same command line.
/// </summary>
public sealed class DatabaseServerNameCompleter : EnvironmentEntryCompleter
{
    protected override IEnumerable<(string Name, string ToolTip)> Entries(OpsEnvironment environment) =>
        environment.DatabaseServers.Select(s => (s.Name, s.ToString()));
}
