using System.Management.Automation;
using OpsRunbooks.PostgresOperations;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>
/// Replication as a server sees it: on a primary, one ReplicationStandby per standby connected; on a standby, one
/// StandbyStatus with its positions, lag and whether its primary answers.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PostgresReplicationStatus", DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(ReplicationStandby), typeof(StandbyStatus))]
public sealed class GetPostgresReplicationStatusCommand : PostgresServerCommand
{
    /// <summary>How long the probe of a standby's primary waits for an answer.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = ReplicationStatusReader.DefaultProbeTimeout;

    protected override void ProcessRecord()
    {
        if (Timeout <= TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorRecords.From(new OpsException(PostgresOperationsErrorIds.ReplicationArgumentInvalid, FailureKind.InvalidArgument,
                $"-Timeout {Timeout} must be longer than zero (00:00:03 is three seconds).", Timeout)));
        }
        var target = ResolveServer();
        TryRun(() =>
        {
            var status = Run(token => ReplicationStatusReader.ReadAsync(target, Timeout, token));
            if (status.Standby is { } standby)
            {
                WriteObject(standby);
                return;
            }
            if (status.Standbys.Count == 0)
                WriteWarning($"{target.Host}:{target.Port} is a primary and no standby is connected to it (pg_stat_replication is empty).");
            WriteObject(status.Standbys, enumerateCollection: true);
        });
    }
}
