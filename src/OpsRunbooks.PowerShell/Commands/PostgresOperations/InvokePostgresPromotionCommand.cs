using System.Globalization;
using System.Management.Automation;
using OpsRunbooks.Journal;
using OpsRunbooks.PostgresOperations;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>
/// Promotes a standby to primary: refuses a primary, and a standby that is stale or behind unless -Force; pg_promote,
/// waits until it leaves recovery, proves it accepts a write and reports the times taken.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PostgresPromotion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(PostgresPromotionResult))]
public sealed class InvokePostgresPromotionCommand : PostgresServerCommand
{
    [Parameter]
    public TimeSpan MaximumReceiveAge { get; set; } = PromotionRequest.DefaultMaximumReceiveAge;

    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MaximumLagBytes { get; set; } = PromotionRequest.DefaultMaximumLagBytes;

    [Parameter]
    public TimeSpan Timeout { get; set; } = PromotionRequest.DefaultTimeout;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (name, value) in new[] { ("MaximumReceiveAge", MaximumReceiveAge), ("Timeout", Timeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                ThrowTerminatingError(ErrorRecords.From(new OpsException(PostgresOperationsErrorIds.ReplicationArgumentInvalid, FailureKind.InvalidArgument,
                    $"-{name} {value} must be longer than zero (00:01:00 is one minute).", value)));
            }
        }
        var target = ResolveServer();
        var request = new PromotionRequest { MaximumReceiveAge = MaximumReceiveAge, MaximumLagBytes = MaximumLagBytes, Timeout = Timeout, Force = Force };
        TryRun(() =>
        {
            var check = Run(token => PostgresPromotion.CheckAsync(target, request, token));
            if (check.Refusal is { } refusal)
            {
                WriteObject(check.Refused());
                WriteError(ErrorRecords.From(refusal));
                return;
            }
            var standby = check.Standby!;
            var state = string.Create(CultureInfo.InvariantCulture,
                $"standby {check.Server}: received {standby.ReceiveLsn ?? "nothing"}, {standby.LagBytes ?? 0:N0} bytes to replay, last heard from its primary {(standby.ReceiveAge is { } age ? PostgresPromotion.Words(age) + " ago" : "at an unknown time")}; {standby.PrimaryProbe}");
            if (!ShouldProcess(state, "Promote to primary (one-way: the old primary must be rebuilt as a standby)")) return;
            using var operation = BeginOperation("PostgresPromotion", check.Server, Environment);
            var result = Run(token => PostgresPromotion.PromoteAsync(target, check, request, token));
            var figures = new OperationFigures { { "LagBytes", standby.LagBytes ?? 0 }, { "LastReceivedLsn", standby.ReceiveLsn ?? "" } };
            if (result.TimeToPromote is { } toPromote) figures.Add("TimeToPromoteSeconds", toPromote);
            if (result.TimeToFirstWrite is { } toFirstWrite) figures.Add("TimeToFirstWriteSeconds", toFirstWrite);
            WriteObject(result);
            if (result.ErrorId is { } errorId)
            {
                operation.Failed(errorId, result.Reason, figures);
                WriteError(ErrorRecords.From(new OpsException(errorId, FailureKind.OperationFailed, result.Reason, check.Server)));
            }
            else
            {
                operation.Succeeded(figures, result.Reason);
            }
        });
    }
}
