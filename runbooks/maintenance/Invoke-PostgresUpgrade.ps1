<#
.SYNOPSIS
Upgrades PostgreSQL by dump and restore: moves the databases of an environment's old server to its new one.

.DESCRIPTION
The upgrade procedure of the runbooks, for a new server (a newer major version) that is already running and
named in the environment's DatabaseServers: for each database (by default every database of -Source but the
templates and postgres) a fresh backup into the environment's store, a restore into the new server, and the
row counts of every table compared. The output is a PostgresUpgradeResult per database.

Stop the applications writing to the source first, and create the roles on the target (pg_dumpall
--roles-only); afterwards point the applications at the new server. A database the target already has is left
alone (UpgradeTargetDatabaseExists). With -WhatIf the servers are checked and nothing is moved. It does not ask
for confirmation unless run with -Confirm. It exits with 1 when any database was not moved or its row counts differ.

.EXAMPLE
opsrunbook run runbooks/maintenance/Invoke-PostgresUpgrade.ps1 -Environment production -Source primary -Target primary18 -WhatIf

.EXAMPLE
opsrunbook run runbooks/maintenance/Invoke-PostgresUpgrade.ps1 -Environment production -Source primary -Target primary18 -Database app
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess)]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The DatabaseServers entry of the old server.
    [Parameter(Mandatory)]
    [string] $Source,

    # The DatabaseServers entry of the new server.
    [Parameter(Mandatory)]
    [string] $Target,

    # The databases to move; by default all of the source's.
    [string[]] $Database,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
$upgrade = @{ Environment = $opsEnvironment; Source = $Source; Target = $Target }
if ($Database) { $upgrade.Database = $Database }

# Running the runbook is the decision to upgrade; ask only when the caller asked for -Confirm. -WhatIf passes through.
$results = @(Invoke-PostgresUpgrade @upgrade -Confirm:([bool] $PSBoundParameters['Confirm']) -ErrorVariable upgradeErrors)
$results
if ($upgradeErrors -or ($results | Where-Object { -not $_.RowCountsMatch })) { exit 1 }
