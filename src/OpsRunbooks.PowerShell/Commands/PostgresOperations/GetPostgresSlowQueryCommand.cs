using System.Management.Automation;
using OpsRunbooks.PostgresOperations;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>The statements that cost the most, from pg_stat_statements, ranked by mean time, total time or calls.</summary>
[Cmdlet(VerbsCommon.Get, "PostgresSlowQuery", DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(PostgresSlowQuery))]
public sealed class GetPostgresSlowQueryCommand : PostgresServerCommand
{
    [Parameter]
    [ValidateRange(1, 10000)]
    public int Top { get; set; } = 10;

    // A string, not the core's enum: a field of a core value type would make PowerShell load the core while it
    // reads the module's types, before the module's initializer can point it at the core's own load context.
    [Parameter]
    [ValidateSet(nameof(SlowQueryOrder.MeanTime), nameof(SlowQueryOrder.TotalTime), nameof(SlowQueryOrder.Calls))]
    public string OrderBy { get; set; } = nameof(SlowQueryOrder.MeanTime);

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[] Database { get; set; } = [];

    protected override void ProcessRecord()
    {
        // The extension is read where it was created: the first database named, else the maintenance database.
        var target = ResolveServer(Database.Length > 0 ? Database[0] : null);
        var request = new SlowQueryRequest(target, IdentityOf(target)) { Top = Top, OrderBy = Enum.Parse<SlowQueryOrder>(OrderBy, ignoreCase: true), Databases = Database };
        TryRun(() => WriteObject(Run(token => SlowQueries.ReadAsync(request, token)), enumerateCollection: true));
    }
}
