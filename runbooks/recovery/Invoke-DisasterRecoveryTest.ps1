<#
.SYNOPSIS
The disaster-recovery drill: a fresh backup, the database lost, restored from the store and verified, with the measured RTO and RPO logged.

.DESCRIPTION
A timed drill of the recovery of one database, end to end, as the monthly DR test of the runbooks asks:

1. A fresh backup of -Database (Invoke-DatabaseBackup), unless -NoFreshBackup: then the newest backup in
   the store is used, and the RPO is what losing the database now would cost.
2. The loss. The drill notes its moment; the recovery point objective measured (RPO) is the age, at that
   moment, of the backup restored (from its start, when pg_dump took its snapshot).
3. The recovery from the store, timed from the loss to a verified database (the RTO). By default the
   original is never touched: the backup is fetched, checked (checksum, decryption), restored under a
   drill name (a scratch database on the environment's RestoreTestServer), its row counts compared with the
   manifest and each -VerificationQuery run on it (Test-BackupIntegrity -RestoreTest), then it is dropped.
   With -Destructive, on an environment whose Recovery section says Throwaway = $true only, the same
   checks run first and then the database itself is replaced from the backup (Restore-DatabaseBackup -Force:
   an emergency backup of it, a restore beside it, row counts checked, then the swap, confirmed as
   Restore-DatabaseBackup asks: give -Confirm:$false to run unattended); the RTO is then the duration of that
   restore in place.
4. The record: one DisasterRecoveryTest entry in the operations log (Write-OperationLog) with the
   figures RtoSeconds, RpoSeconds, RestoreSeconds, Tables, Rows, the BackupId and, where the environment's
   Recovery section sets RecoveryTimeObjective and RecoveryPointObjective, whether each was met.

The output is one object: Environment, Database, Passed, Rto, Rpo, RtoMet, RpoMet, BackupId,
BackupStartedUtc, Destructive, FailedCheck, Cause and the IntegrityReport (and RestoreResult with
-Destructive). A failed drill, or a missed objective, is an error, and the script exits with 1.

.EXAMPLE
opsrunbook run recovery/Invoke-DisasterRecoveryTest.ps1 -Environment production -Database app -VerificationQuery 'SELECT count(*) > 0 FROM orders'

.EXAMPLE
opsrunbook run recovery/Invoke-DisasterRecoveryTest.ps1 -Environment staging -Database app -Destructive -Confirm:$false
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The database to drill.
    [Parameter(Mandatory)]
    [string] $Database,

    # Really lose the database: replace it from the backup. Only on an environment with Recovery = @{ Throwaway = $true }.
    [switch] $Destructive,

    # Queries that must return a row (and true where boolean) on the restored database.
    [string[]] $VerificationQuery,

    # Drill with the newest backup in the store instead of a fresh one: the RPO is then a real one.
    [switch] $NoFreshBackup,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
$recovery = $opsEnvironment.Sections['Recovery']
$target = "$Database in $($opsEnvironment.Name)"

function Stop-Drill([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category) {
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), $ErrorId, $Category, $Database))
    exit 1
}

if ($Destructive -and -not ($recovery -and $recovery.Throwaway)) {
    Stop-Drill "A destructive drill replaces $target, and $($opsEnvironment.SourcePath) does not say the environment is throwaway. Drill without -Destructive (the original is then never touched), or set Recovery = @{ Throwaway = `$true } in the file of an environment whose data does not matter." 'DisasterRecoveryNotThrowaway' InvalidOperation
}
$what = if ($Destructive) { "Lose and replace $target from its backup" } else { "Restore $target from its backup under a drill name, check it and drop it" }
if (-not $PSCmdlet.ShouldProcess($target, $what)) { return }

$drillStarted = [datetime]::UtcNow
if ($NoFreshBackup) {
    $backup = Get-DatabaseBackup -Environment $opsEnvironment -Database $Database -Newest 1 -ErrorAction Stop
    if (-not $backup) { Stop-Drill "The store of $($opsEnvironment.Name) holds no backup of $Database to drill with; drill without -NoFreshBackup." 'DisasterRecoveryNoBackup' ObjectNotFound }
}
else {
    $backup = Invoke-DatabaseBackup -Environment $opsEnvironment -Database $Database -ErrorAction Stop
}

# The loss. From here the clock of the recovery runs.
$lostAt = [datetime]::UtcNow
$rpo = $lostAt - $backup.StartedUtc
$PSCmdlet.WriteVerbose("Drill of ${target}: lost at $($lostAt.ToString('u')); backup $($backup.Id) of $($backup.StartedUtc.ToString('u')) (RPO $rpo)")

$checks = @{ Backup = $backup; Environment = $opsEnvironment; RestoreTest = $true }
if ($VerificationQuery) { $checks.VerificationQuery = $VerificationQuery }
$report = Test-BackupIntegrity @checks
$restore = $null
if ($report -and $report.Passed -and $Destructive) {
    $restore = Restore-DatabaseBackup -Backup $backup -Environment $opsEnvironment -TargetDatabase $Database -Force
    $rto = if ($restore) { $restore.Duration } else { $null }
}
else {
    $rto = [datetime]::UtcNow - $lostAt
}
$passed = [bool]($report -and $report.Passed -and (-not $Destructive -or ($restore -and $restore.RowCountsMatch)))
$rtoMet = if ($recovery -and $recovery.RecoveryTimeObjective -and $null -ne $rto) { $rto -le $recovery.RecoveryTimeObjective } else { $null }
$rpoMet = if ($recovery -and $recovery.RecoveryPointObjective) { $rpo -le $recovery.RecoveryPointObjective } else { $null }

$figures = [ordered]@{
    Database    = $Database
    BackupId    = $backup.Id
    Destructive = [bool] $Destructive
    RpoSeconds  = $rpo
}
if ($null -ne $rto) { $figures.RtoSeconds = $rto }
$restoreTime = if ($restore) { $restore.RestoreDuration } elseif ($report) { $report.RestoreDuration } else { $null }
if ($null -ne $restoreTime) { $figures.RestoreSeconds = $restoreTime }
$rowCounts = if ($restore) { $restore.TableRowCounts } else { $backup.TableRowCounts }
$figures.Tables = $rowCounts.Count
$figures.Rows = [long] ($rowCounts.Values | Measure-Object -Sum).Sum
$figures.VerificationQueries = @($VerificationQuery).Count
if ($null -ne $rtoMet) { $figures.RtoObjectiveSeconds = $recovery.RecoveryTimeObjective; $figures.RtoMet = $rtoMet }
if ($null -ne $rpoMet) { $figures.RpoObjectiveSeconds = $recovery.RecoveryPointObjective; $figures.RpoMet = $rpoMet }

$cause = if (-not $report) { 'DisasterRecoveryCheckFailed' } elseif (-not $report.Passed) { $report.Cause } elseif (-not $passed) { 'DisasterRecoveryRestoreFailed' } else { $null }
$problem = if (-not $report) { 'the restore test of the backup could not run (see its error)' }
elseif (-not $report.Passed) { "$($report.FailedCheck) failed ($($report.Cause)): $($report.CauseDetail)" }
elseif (-not $passed) { 'the restore over the original failed (see its error)' }
$logged = @{ Operation = 'DisasterRecoveryTest'; Target = $target; Environment = $opsEnvironment; StartedAt = $drillStarted; Figures = $figures; Confirm = $false }
if ($passed) {
    Write-OperationLog @logged -Message ("Recovered in {0:0.0} s from a backup {1:0} s old." -f $rto.TotalSeconds, $rpo.TotalSeconds)
}
else {
    Write-OperationLog @logged -Outcome Failed -ErrorId $cause -Message "Drill failed: $problem"
}

[pscustomobject]@{
    PSTypeName       = 'OpsRunbooks.DisasterRecoveryTest'
    Environment      = $opsEnvironment.Name
    Database         = $Database
    Passed           = $passed
    Rto              = $rto
    Rpo              = $rpo
    RtoMet           = $rtoMet
    RpoMet           = $rpoMet
    BackupId         = $backup.Id
    BackupStartedUtc = $backup.StartedUtc
    Destructive      = [bool] $Destructive
    FailedCheck      = if ($report) { $report.FailedCheck } else { $null }
    Cause            = $cause
    Report           = $report
    Restore          = $restore
}
if (-not $passed) {
    Stop-Drill "Disaster-recovery drill of $target failed: $problem." $cause InvalidResult
}
if ($rtoMet -eq $false -or $rpoMet -eq $false) {
    $missed = @(if ($rtoMet -eq $false) { "RTO $rto over the objective $($recovery.RecoveryTimeObjective)" }; if ($rpoMet -eq $false) { "RPO $rpo over the objective $($recovery.RecoveryPointObjective)" }) -join ' and '
    Stop-Drill "Disaster-recovery drill of ${target}: restored, but $missed." 'DisasterRecoveryObjectiveMissed' InvalidResult
}
