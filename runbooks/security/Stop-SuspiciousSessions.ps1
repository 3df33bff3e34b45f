<#
.SYNOPSIS
Ends every PostgreSQL session from a suspicious client address or network, as the unauthorized-access response does.

.DESCRIPTION
Lists the sessions connected from -ClientAddress (IP addresses or networks such as 203.0.113.0/24; optionally
only those of -User) on a server of an environment and ends them with pg_terminate_backend. Replication
connections and the server's own processes are never touched.

The output is a QueryStopResult per session. With -WhatIf nothing is ended: the output is the sessions that
would be. It does not ask for confirmation unless run with -Confirm. It exits with 1 when a session could not
be ended or the server could not be reached.

Ending the sessions does not keep the client out: block the address in pg_hba.conf (a line
"host all all <address>/32 reject" before the others, then SELECT pg_reload_conf()) and rotate the password of
every login it used; the runbook names the logins it saw in its verbose output.

.EXAMPLE
opsrunbook run runbooks/security/Stop-SuspiciousSessions.ps1 -Environment production -ClientAddress 203.0.113.7

.EXAMPLE
opsrunbook run runbooks/security/Stop-SuspiciousSessions.ps1 -Environment production -ClientAddress 203.0.113.0/24 -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess)]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The client addresses or networks whose sessions are ended.
    [Parameter(Mandatory)]
    [string[]] $ClientAddress,

    # Only the sessions of these logins.
    [string[]] $User,

    # The DatabaseServers entry to act on; may be left out when the environment has one.
    [string] $DatabaseServer,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop
$server = @{ Environment = $opsEnvironment }
if ($DatabaseServer) { $server.DatabaseServer = $DatabaseServer }
$filter = @{ ClientAddress = $ClientAddress }
if ($User) { $filter.User = $User }

try {
    $sessions = @(Get-PostgresActivity @server @filter -ErrorAction Stop | Where-Object BackendType -eq 'client backend')
}
catch {
    Write-Error -ErrorRecord $_
    exit 1
}
$logins = @($sessions | ForEach-Object User | Sort-Object -Unique)
$PSCmdlet.WriteVerbose("$($sessions.Count) sessions from $($ClientAddress -join ', '); logins: $($logins -join ', ')")

if ($WhatIfPreference) {
    $sessions | Stop-PostgresQuery @server -WhatIf
    $sessions
    return
}

$results = @($sessions | Stop-PostgresQuery @server -Confirm:([bool] $PSBoundParameters['Confirm']) -ErrorVariable stopErrors)
$results
if ($stopErrors -or ($results | Where-Object Outcome -eq Failed)) { exit 1 }
