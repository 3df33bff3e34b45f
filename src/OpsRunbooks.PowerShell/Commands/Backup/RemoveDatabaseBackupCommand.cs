using System.Globalization;
using System.Management.Automation;
using OpsRunbooks.Backup;
using OpsRunbooks.Journal;

namespace OpsRunbooks.PowerShell.Commands.Backup;

/// <summary>
/// Removes backups: BackupRecords, or the decisions of a retention plan (only those whose action is
/// Remove). The manifest goes first, so an interrupted removal never leaves a listed backup without data.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DatabaseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BackupRecord))]
public sealed class RemoveDatabaseBackupCommand : BackupCommand
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object[] Backup { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var item in Backup)
            TryRun(() => Remove(item is PSObject wrapped ? wrapped.BaseObject : item));
    }

    private void Remove(object item)
    {
        var (backup, why) = item switch
        {
            RetentionDecision { Action: RetentionAction.Keep } kept => (null, kept.Reason),
            RetentionDecision decision => (decision.Backup, $" ({decision.Reason})"),
            BackupRecord record => (record, ""),
            _ => throw new OpsException(BackupErrorIds.BackupInputInvalid, FailureKind.InvalidArgument,
                $"Remove-DatabaseBackup removes a BackupRecord (from Get-DatabaseBackup) or a RetentionDecision (from Get-BackupRetentionPlan), not a {item.GetType().Name}.", item),
        };
        if (backup is null)
        {
            WriteVerbose($"Keeping {((RetentionDecision)item).Id}: {why}.");
            return;
        }

        var store = backup.RequireStore();
        var target = string.Create(CultureInfo.InvariantCulture,
            $"{backup.Id} of {backup.Database}, started {backup.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {backup.StoredBytes:N0} bytes, in {store.Location}");
        if (!ShouldProcess(target, "Remove backup" + why))
            return;
        using var operation = BeginOperation("BackupRemoval", $"{backup.Id} of {backup.Database} in {store.Location}",
            backup.Environment is { Length: > 0 } name ? LoadNamedEnvironment(name).Environment : null);
        Run(token => BackupRemoval.RemoveAsync(backup, token));
        operation.Succeeded(new OperationFigures
        {
            { "BackupId", backup.Id },
            { "StoredBytes", backup.StoredBytes },
            { "BackupStartedUtc", backup.StartedUtc },
        }, why.Length > 0 ? $"Removed{why}." : null);
        if (PassThru)
            WriteObject(backup);
    }
}
