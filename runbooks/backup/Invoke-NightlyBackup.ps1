<#
.SYNOPSIS
Backs up every database an environment lists.

.DESCRIPTION
Reads the environment file, then runs Invoke-DatabaseBackup for each database it lists, into the
environment's store, encrypted to its key. A database that fails is reported as an error and the
others are still backed up; the output is one BackupRecord per database that succeeded. When any
database failed, the script exits with 1 (under pwsh -File and opsrunbook alike). Run it with -WhatIf
to see what it would do.

.EXAMPLE
opsrunbook run runbooks/backup/Invoke-NightlyBackup.ps1 -Environment production
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

$failed = 0
foreach ($database in $opsEnvironment.Databases) {
    $PSCmdlet.WriteVerbose("Backing up $($database.Name) of environment $($opsEnvironment.Name)")
    Invoke-DatabaseBackup -Environment $opsEnvironment -Database $database.Name -ErrorVariable backupErrors
    if ($backupErrors) { $failed++ }
}
if ($failed -gt 0) { exit 1 }
