<#
.SYNOPSIS
The morning backup check: is every database of an environment backed up recently, at a plausible size?

.DESCRIPTION
Runs Test-BackupFreshness for the environment: every database it lists and every database with
backups in its store is checked against the environment's Thresholds (BackupMaximumAge,
SizeWarningPercent, SizeCriticalGrowthPercent, SizeCriticalDropPercent, SizeBaselineCount).

A database whose status is Critical (no backup, the newest one too old, 0 bytes, shrunk by more than
half or grown by more than double) is written as an error and the script exits with 1 (under pwsh -File
and opsrunbook alike), so the scheduled task shows as failed; a Warning (a size change beyond 20 %) is written as a warning. The
output is one BackupFreshnessResult per database.

.EXAMPLE
opsrunbook run runbooks/verification/Test-MorningBackupStatus.ps1 -Environment production
#>
#Requires -Modules OpsRunbooks
[CmdletBinding()]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop

$critical = 0
foreach ($result in Test-BackupFreshness -Environment $opsEnvironment) {
    $message = "$($result.Database) in $($opsEnvironment.Name): $($result.Status): $($result.Reasons -join '; ')"
    if ($result.Status -eq 'Critical') {
        $critical++
        $exception = [System.Exception]::new($message)
        $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                $exception, 'BackupStatusCritical', [System.Management.Automation.ErrorCategory]::InvalidResult, $result))
    }
    elseif ($result.Status -eq 'Warning') {
        $PSCmdlet.WriteWarning($message)
    }
    else {
        $PSCmdlet.WriteVerbose("$($result.Database) in $($opsEnvironment.Name): Healthy")
    }
    $result
}
if ($critical -gt 0) { exit 1 }
