<#
.SYNOPSIS
The restore drill: restores a random older backup of each database into a scratch database and reports the restore time.

.DESCRIPTION
For each database of the environment (or each -Database), picks at random one backup that is not the
newest (the newest is what the nightly checks already look at; a drill proves that older ones restore
too), and runs Test-BackupIntegrity -RestoreTest on it with the environment's DecryptionKey and
RestoreTestServer: checksum, decryption, archive, a full restore into a scratch database, row counts
against the manifest, then the scratch database is dropped.

The output is one object per drilled database: Environment, Database, BackupId, BackupStartedUtc,
Passed, RestoreTime (the measured restore duration: the recovery time objective this backup shows),
FailedCheck, Cause and the full IntegrityReport as Report. A database with fewer than two backups, or
whose drill failed, is also written as an error, and the script then exits with 1 (under pwsh -File
and opsrunbook alike).

.EXAMPLE
opsrunbook run runbooks/verification/Invoke-RestoreDrill.ps1 -Environment production

.EXAMPLE
opsrunbook run runbooks/verification/Invoke-RestoreDrill.ps1 -Environment production -Database billing
#>
#Requires -Modules OpsRunbooks
[CmdletBinding()]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The databases to drill; by default every database the environment lists.
    [string[]] $Database,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
if (-not $Database) {
    $Database = @($opsEnvironment.Databases | ForEach-Object Name)
}
$random = [System.Random]::new()
$failed = 0

function Write-DrillError([string] $Message, [string] $ErrorId, $Target) {
    $script:failed++
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
            [System.Exception]::new($Message), $ErrorId, [System.Management.Automation.ErrorCategory]::InvalidResult, $Target))
}

foreach ($name in $Database) {
    $backups = @(Get-DatabaseBackup -Environment $opsEnvironment -Database $name)
    if ($backups.Count -lt 2) {
        $what = if ($backups.Count -eq 0) { 'no backup' } else { "only one backup ($($backups[0].Id))" }
        Write-DrillError "Restore drill of $name in $($opsEnvironment.Name): the store holds $what, and a drill restores one that is not the newest." 'RestoreDrillNoOlderBackup' $name
        continue
    }

    # Newest first: any but the first.
    $backup = $backups[$random.Next(1, $backups.Count)]
    $PSCmdlet.WriteVerbose("Restore drill of $name in $($opsEnvironment.Name): backup $($backup.Id) of $($backup.StartedUtc.ToString('u')), one of $($backups.Count - 1) older backups")
    $report = Test-BackupIntegrity -Backup $backup -Environment $opsEnvironment -RestoreTest
    if ($null -eq $report) {
        $failed++ # Test-BackupIntegrity wrote the error.
        continue
    }

    [pscustomobject]@{
        Environment      = $opsEnvironment.Name
        Database         = $name
        BackupId         = $report.BackupId
        BackupStartedUtc = $report.BackupStartedUtc
        Passed           = $report.Passed
        RestoreTime      = $report.RestoreDuration
        FailedCheck      = $report.FailedCheck
        Cause            = $report.Cause
        Report           = $report
    }
    if ($report.Passed) {
        $PSCmdlet.WriteVerbose("Restore drill of $name passed: restored in $($report.RestoreDuration)")
    }
    else {
        Write-DrillError "Restore drill of $name in $($opsEnvironment.Name) failed: backup $($report.BackupId), check $($report.FailedCheck) ($($report.Cause)): $($report.CauseDetail)" 'RestoreDrillFailed' $report
    }
}
if ($failed -gt 0) { exit 1 }
