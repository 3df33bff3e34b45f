<#
.SYNOPSIS
Reports the slowest statements of a PostgreSQL server of an environment, from pg_stat_statements.

.DESCRIPTION
Lists the -Top statements (10 by default) ranked by mean time per call, and, with -OrderBy, by total time or
number of calls: the two queries the slow-query runbooks run by hand. The output is a PostgresSlowQuery per
statement. With -Path it also writes them as CSV, for a ticket or a weekly review.

When pg_stat_statements is not loaded on the server or not created in the database, it fails with
PgStatStatementsMissing, which names the step to take, and exits with 1.

.EXAMPLE
opsrunbook run runbooks/health/Get-SlowQueryReport.ps1 -Environment production

.EXAMPLE
opsrunbook run runbooks/health/Get-SlowQueryReport.ps1 -Environment production -OrderBy Calls -Top 20 -Path slow-queries.csv
#>
#Requires -Modules OpsRunbooks
[CmdletBinding()]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The DatabaseServers entry to report on; may be left out when the environment has one.
    [string] $DatabaseServer,

    # How many statements to list.
    [ValidateRange(1, 10000)]
    [int] $Top = 10,

    # MeanTime, TotalTime or Calls.
    [ValidateSet('MeanTime', 'TotalTime', 'Calls')]
    [string] $OrderBy = 'MeanTime',

    # Only statements of these databases; the first is where the extension is read.
    [string[]] $Database,

    # A CSV file to write the report to as well.
    [string] $Path,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
$server = @{ Environment = $opsEnvironment }
if ($DatabaseServer) { $server.DatabaseServer = $DatabaseServer }
if ($Database) { $server.Database = $Database }

try {
    $queries = @(Get-PostgresSlowQuery @server -Top $Top -OrderBy $OrderBy -ErrorAction Stop)
}
catch {
    Write-Error -ErrorRecord $_
    exit 1
}
if ($Path) {
    $queries | Select-Object Rank, Database, User, Calls,
        @{ Name = 'MeanMilliseconds'; Expression = { $_.MeanTime.TotalMilliseconds } },
        @{ Name = 'TotalMilliseconds'; Expression = { $_.TotalTime.TotalMilliseconds } },
        @{ Name = 'MaxMilliseconds'; Expression = { $_.MaxTime.TotalMilliseconds } },
        Rows, CacheHitPercent, Query |
        Export-Csv -LiteralPath $Path -NoTypeInformation
}
$queries
