<#
.SYNOPSIS
Checks the integrity of the last backups of every database of an environment, and fails when one is bad.

.DESCRIPTION
For each database the environment lists, runs Test-BackupIntegrity on its -Count newest backups with the
environment's DecryptionKey: manifest, checksum, decryption with its integrity protection, and the
archive's table of contents, in one streamed pass per backup; with -RestoreTest each is also restored
into a scratch database on the RestoreTestServer, compared with its manifest's row counts, and dropped.

A bad backup does not stop the run: every backup is checked. The output is one IntegrityReport per
backup, then a summary: Environment, Checked, Good, Bad, BadBackups (which, and why) and Errors (backups
that could not be checked at all). When any backup is bad or could not be checked, an error is written
too and the script exits with 1 (under pwsh -File and opsrunbook alike), so the scheduled task shows
as failed.

.EXAMPLE
opsrunbook run runbooks/verification/Test-RecentBackups.ps1 -Environment production -Count 7

.EXAMPLE
opsrunbook run runbooks/verification/Test-RecentBackups.ps1 -Environment production -Count 1 -RestoreTest
#>
#Requires -Modules OpsRunbooks
[CmdletBinding()]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # How many of the newest backups of each database to check.
    [ValidateRange(1, 1000)]
    [int] $Count = 5,

    # Also restore each backup into a scratch database (slower: a full restore per backup).
    [switch] $RestoreTest,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop

$checked = 0
$good = 0
$bad = [System.Collections.Generic.List[string]]::new()
$errorCount = 0
foreach ($database in $opsEnvironment.Databases) {
    $backups = @(Get-DatabaseBackup -Environment $opsEnvironment -Database $database.Name -Newest $Count)
    if ($backups.Count -eq 0) {
        $PSCmdlet.WriteWarning("$($database.Name) in $($opsEnvironment.Name) has no backup to check.")
        continue
    }
    foreach ($backup in $backups) {
        $failures = $null
        $report = Test-BackupIntegrity -Backup $backup -Environment $opsEnvironment -RestoreTest:$RestoreTest -ErrorVariable failures
        if ($failures) {
            $errorCount++
            continue
        }
        $checked++
        if ($report.Passed) {
            $good++
        }
        else {
            $bad.Add("$($report.Database) $($report.BackupId): $($report.FailedCheck) failed ($($report.Cause)): $($report.CauseDetail)")
        }
        $report
    }
}

[pscustomobject]@{
    Environment = $opsEnvironment.Name
    Checked     = $checked
    Good        = $good
    Bad         = $bad.Count
    BadBackups  = $bad.ToArray()
    Errors      = $errorCount
}

if ($bad.Count -gt 0 -or $errorCount -gt 0) {
    $message = "$($bad.Count) of $checked backups in $($opsEnvironment.Name) are bad" +
    $(if ($errorCount -gt 0) { ", $errorCount could not be checked" } else { '' }) +
    $(if ($bad.Count -gt 0) { ': ' + ($bad -join '; ') } else { '' })
    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
            [System.Exception]::new($message), 'RecentBackupsBad', [System.Management.Automation.ErrorCategory]::InvalidResult, $opsEnvironment.Name))
    exit 1
}
