using System.Management.Automation;
using OpsRunbooks.Journal;
using OpsRunbooks.PostgresOperations;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>
/// Ends sessions (pg_terminate_backend) or cancels their queries (-Cancel, pg_cancel_backend), by pid or piped from
/// Get-PostgresActivity; emits a result per session. Its own session is never touched, replication connections and
/// the server's own processes only with -Force.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "PostgresQuery", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(QueryStopResult))]
public sealed class StopPostgresQueryCommand : PostgresServerCommand
{
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, int.MaxValue)]
    public int[] Pid { get; set; } = [];

    [Parameter]
    public SwitchParameter Cancel { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var target = ResolveServer();
        var identity = IdentityOf(target);
        var action = Cancel ? QueryStopAction.Cancel : QueryStopAction.Terminate;
        foreach (var pid in Pid)
        {
            var verb = action == QueryStopAction.Cancel ? "Cancel the running query of" : "End (pg_terminate_backend)";
            if (!ShouldProcess($"process {pid} on {identity}", $"{verb} the session"))
                continue;
            var request = new QueryStopRequest(target, identity, pid, action) { Force = Force };
            TryRun(() =>
            {
                using var operation = BeginOperation(action == QueryStopAction.Cancel ? "QueryCancel" : "SessionTermination",
                    $"process {pid} on {identity}", Environment);
                var result = Run(token => QueryStop.StopAsync(request, token));
                // The query text stays out of the log: it may carry literals such as passwords.
                var figures = new OperationFigures
                {
                    { "Pid", result.Pid },
                    { "Outcome", result.Outcome.ToString() },
                    { "Database", result.Database ?? "" },
                    { "User", result.User ?? "" },
                    { "BackendType", result.BackendType ?? "" },
                };
                if (result.Outcome is QueryStopOutcome.Stopped or QueryStopOutcome.AlreadyEnded)
                    operation.Succeeded(figures, result.Reason);
                else
                    operation.Failed(result.Outcome == QueryStopOutcome.Refused ? PostgresOperationsErrorIds.QueryStopRefused : PostgresOperationsErrorIds.QueryStopFailed,
                        result.Reason, figures);
                WriteObject(result);
            });
        }
    }
}
