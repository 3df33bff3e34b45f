<#
.SYNOPSIS
Ends the queries that have run longer than a limit (ten minutes by default) on a PostgreSQL server of an environment.

.DESCRIPTION
The emergency step of the high-load runbooks: finds the client sessions whose active query has run at least
-MinimumDuration (pg_stat_activity, state active, query_start older than the limit) and ends them with
pg_terminate_backend, or with -Cancel only cancels their queries. Replication connections and the server's own
processes (autovacuum workers, ...) are never touched, nor the session the runbook works through.

The output is a QueryStopResult per session (Outcome, Reason). With -WhatIf nothing is stopped: the output is
the sessions that would be (PostgresSession objects). It does not ask for confirmation (it is meant for
on-call engineers and scheduled tasks) unless run with -Confirm. It exits with 1 when a session could not be
stopped, or the server could not be reached.

.EXAMPLE
opsrunbook run runbooks/health/Stop-LongRunningQueries.ps1 -Environment production -WhatIf

.EXAMPLE
opsrunbook run runbooks/health/Stop-LongRunningQueries.ps1 -Environment production -DatabaseServer primary -MinimumDuration 00:30:00 -Cancel
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess)]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The DatabaseServers entry to act on; may be left out when the environment has one.
    [string] $DatabaseServer,

    # Queries running at least this long are stopped.
    [timespan] $MinimumDuration = '00:10:00',

    # Cancel the queries (pg_cancel_backend) and keep the sessions, instead of ending the sessions.
    [switch] $Cancel,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
$server = @{ Environment = $opsEnvironment }
if ($DatabaseServer) { $server.DatabaseServer = $DatabaseServer }

try {
    $sessions = @(Get-PostgresActivity @server -MinimumDuration $MinimumDuration -ErrorAction Stop |
            Where-Object BackendType -eq 'client backend')
}
catch {
    Write-Error -ErrorRecord $_
    exit 1
}
$PSCmdlet.WriteVerbose("$($sessions.Count) queries have run $MinimumDuration or longer")

if ($WhatIfPreference) {
    $sessions | Stop-PostgresQuery @server -Cancel:$Cancel -WhatIf
    $sessions
    return
}

# Running the runbook is the decision to stop them; ask only when the caller asked for -Confirm.
$results = @($sessions | Stop-PostgresQuery @server -Cancel:$Cancel -Confirm:([bool] $PSBoundParameters['Confirm']) -ErrorVariable stopErrors)
$results
if ($stopErrors -or ($results | Where-Object Outcome -eq Failed)) { exit 1 }
