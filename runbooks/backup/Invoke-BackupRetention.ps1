<#
.SYNOPSIS
Removes the backups of an environment that its retention policy no longer keeps.

.DESCRIPTION
Reads the environment file, lists every backup in the environment's store, plans grandfather-father-son
retention with the environment's Thresholds (RetentionDaily, RetentionWeekly, RetentionMonthly,
RetentionKeepMinimum; by default 7 daily, 4 weekly, 12 monthly and never fewer than 3 backups of a
database) and removes the backups beyond it, manifest first. The output is the plan: one
RetentionDecision per backup, Keep or Remove, with its reason.

If any manifest in the store cannot be read, or the policy would remove every backup of a database,
nothing is removed. Run it with -WhatIf to see the plan and what would be removed; it then removes
nothing. It does not ask for confirmation (it is meant for scheduled tasks) unless run with -Confirm.
When a backup could not be removed, the script exits with 1 (under pwsh -File and opsrunbook alike).

.EXAMPLE
opsrunbook run runbooks/backup/Invoke-BackupRetention.ps1 -Environment production

.EXAMPLE
opsrunbook run runbooks/backup/Invoke-BackupRetention.ps1 -Environment production -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess)]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop

# Plan over a complete listing or not at all: a backup left out of the listing would not count towards the minimum.
$plan = @(Get-DatabaseBackup -Environment $opsEnvironment -ErrorAction Stop |
        Get-BackupRetentionPlan -Environment $opsEnvironment -ErrorAction Stop)

$removals = @($plan | Where-Object Action -eq Remove)
$bytes = 0
foreach ($decision in $removals) { $bytes += $decision.StoredBytes }
$PSCmdlet.WriteVerbose("Environment $($opsEnvironment.Name): $($plan.Count) backups, $($removals.Count) beyond the retention policy ($bytes bytes)")

# The scheduled task is the decision to remove; ask only when the caller asked for -Confirm. -WhatIf passes through.
$removals | Remove-DatabaseBackup -Confirm:([bool] $PSBoundParameters['Confirm']) -ErrorVariable removalErrors

$plan
if ($removalErrors) { exit 1 }
