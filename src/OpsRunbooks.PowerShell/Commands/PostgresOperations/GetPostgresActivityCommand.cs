using System.Management.Automation;
using OpsRunbooks.PostgresOperations;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>Lists a server's sessions and processes from pg_stat_activity, filtered; the reading session is left out.</summary>
[Cmdlet(VerbsCommon.Get, "PostgresActivity", DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(PostgresSession))]
public sealed class GetPostgresActivityCommand : PostgresServerCommand
{
    [Parameter]
    public TimeSpan? MinimumDuration { get; set; }

    [Parameter]
    [ValidateSet("active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled")]
    public string[] State { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ClientAddress { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] User { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[] Database { get; set; } = [];

    protected override void ProcessRecord()
    {
        var target = ResolveServer();
        var filter = new ActivityFilter
        {
            MinimumDuration = MinimumDuration,
            States = State,
            ClientAddresses = ClientAddress,
            Users = User,
            Databases = Database,
        };
        TryRun(() => WriteObject(Run(token => PostgresActivity.ReadAsync(target, IdentityOf(target), filter, token)), enumerateCollection: true));
    }
}
