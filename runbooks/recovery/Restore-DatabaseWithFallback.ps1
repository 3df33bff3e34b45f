<#
.SYNOPSIS
Restores a database from the newest backup that passes its integrity checks, falling back to older ones.

.DESCRIPTION
The emergency restore of the runbooks: the backups of -Database in the environment's store are tried
newest first. Each is checked with Test-BackupIntegrity (manifest, checksum, decryption, archive
contents) before anything is restored; the first that passes is restored with Restore-DatabaseBackup
into -TargetDatabase (by default the database itself). A backup that fails its checks, or whose restore
fails, is reported with the reason and the next older one is tried.

Restoring over an existing database needs -Force: Restore-DatabaseBackup then backs the current
database up into the same store first and swaps the restored copy in only when it is complete.

The output is one object: the backup used, the RestoreResult, and every backup passed over with why.
When no backup can be restored, the script writes an error after listing what was tried, and exits
with 1 (under pwsh -File and opsrunbook alike).

.EXAMPLE
opsrunbook run runbooks/recovery/Restore-DatabaseWithFallback.ps1 -Environment production -Database app -TargetDatabase app_restored -Confirm:$false

.EXAMPLE
./Restore-DatabaseWithFallback.ps1 -Environment production -Database app -Force -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The database whose backups are restored.
    [Parameter(Mandatory)]
    [string] $Database,

    # The database to restore into; by default -Database itself.
    [string] $TargetDatabase = $Database,

    # Restore over an existing target (after an emergency backup of it).
    [switch] $Force,

    # How many backups to try at most, newest first; 0 tries them all.
    [ValidateRange(0, 1000)]
    [int] $MaximumAttempts = 0,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
$backups = @(Get-DatabaseBackup -Environment $opsEnvironment -Database $Database -ErrorAction Stop)
if ($MaximumAttempts -gt 0 -and $backups.Count -gt $MaximumAttempts) {
    $backups = $backups[0..($MaximumAttempts - 1)]
}

$passedOver = [System.Collections.Generic.List[object]]::new()
foreach ($backup in $backups) {
    $PSCmdlet.WriteVerbose("Checking backup $($backup.Id) of $Database from $($backup.StartedUtc.ToString('u'))")
    $checkErrors = $null
    $report = Test-BackupIntegrity -Backup $backup -Environment $opsEnvironment -ErrorAction SilentlyContinue -ErrorVariable checkErrors
    if (-not $report -or -not $report.Passed) {
        $reason = if ($report) { "$($report.FailedCheck) check failed ($($report.Cause)): $($report.CauseDetail)" }
        else { "could not be checked: $($checkErrors[0])" }
        $PSCmdlet.WriteWarning("Backup $($backup.Id) is passed over: $reason")
        $passedOver.Add([pscustomobject]@{ BackupId = $backup.Id; StartedUtc = $backup.StartedUtc; Stage = 'Integrity'; Reason = $reason })
        continue
    }

    if (-not $PSCmdlet.ShouldProcess("$TargetDatabase on the $($opsEnvironment.Name) server", "Restore backup $($backup.Id) of $Database")) {
        return
    }
    $restoreErrors = $null
    $result = Restore-DatabaseBackup -Backup $backup -TargetDatabase $TargetDatabase -Environment $opsEnvironment -Force:$Force -Confirm:$false `
        -ErrorAction SilentlyContinue -ErrorVariable restoreErrors
    if (-not $result) {
        $reason = "restore failed: $($restoreErrors[0])"
        $PSCmdlet.WriteWarning("Backup $($backup.Id) is passed over: $reason")
        $passedOver.Add([pscustomobject]@{ BackupId = $backup.Id; StartedUtc = $backup.StartedUtc; Stage = 'Restore'; Reason = $reason })
        if ($restoreErrors[0].FullyQualifiedErrorId -like 'TargetDatabaseExists*') { break }
        continue
    }

    [pscustomobject]@{
        PSTypeName     = 'OpsRunbooks.FallbackRestore'
        Database       = $Database
        TargetDatabase = $TargetDatabase
        UsedBackupId   = $backup.Id
        UsedBackupTime = $backup.StartedUtc
        Attempts       = $passedOver.Count + 1
        PassedOver     = $passedOver.ToArray()
        Restore        = $result
    }
    return
}

$tried = if ($passedOver.Count) { ($passedOver | ForEach-Object { "$($_.BackupId): $($_.Reason)" }) -join '; ' } else { 'no backups found' }
$exception = [System.Exception]::new("No backup of $Database in $($opsEnvironment.Name) could be restored. Tried: $tried")
$PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
        $exception, 'NoRestorableBackup', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $Database))
exit 1
