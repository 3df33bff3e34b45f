<#
.SYNOPSIS
Promotes the standby after the primary died: confirms the primary is down, checks the standby, promotes it and proves it takes writes.

.DESCRIPTION
The seed's unplanned failover as one run, for -Primary and -Standby, two DatabaseServers entries of the environment:

1. The primary must be down. Its own address must refuse a connection (a login that fails still means a
   server answers), and the standby must not reach it either (its probe of the primary_conninfo address).
   Either answering stops the run with PrimaryStillAnswers: promoting beside a live primary splits the data.
2. The standby must be in recovery (StandbyNotInRecovery otherwise).
3. Invoke-PostgresPromotion promotes it, refusing a standby that last heard from its primary longer ago than
   -MaximumReceiveAge or that has more than -MaximumLagBytes to replay, unless -Force; it waits until the standby
   leaves recovery and proves a write (a row in opsrunbooks_failover_check).
4. The output is one OpsRunbooks.FailoverReport: the checks made, what the standby had received, the times to
   promote and to the first write, and the whole PostgresPromotionResult.

Any refusal or failure writes an error with its id and exits with 1 (under pwsh -File and opsrunbook alike).
Afterwards point clients at the new primary, and rebuild the old one as its standby before starting it again.

.EXAMPLE
opsrunbook run runbooks/recovery/Invoke-UnplannedFailover.ps1 -Environment production -Primary primary -Standby replica -Confirm:$false

.EXAMPLE
./Invoke-UnplannedFailover.ps1 -Environment production -Primary primary -Standby replica -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The DatabaseServers entry of the primary that failed.
    [Parameter(Mandatory)]
    [string] $Primary,

    # The DatabaseServers entry of the standby to promote.
    [Parameter(Mandatory)]
    [string] $Standby,

    # Refuse when the standby last heard from its primary longer ago than this.
    [timespan] $MaximumReceiveAge = '00:05:00',

    # Refuse when the standby has more WAL than this still to replay.
    [long] $MaximumLagBytes = 1MB,

    # Promote even when the standby is stale or lagging (never while the primary answers).
    [switch] $Force,

    # How long promotion may take.
    [timespan] $Timeout = '00:01:00',

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

. $PSScriptRoot/_Failover.ps1

$started = [datetime]::UtcNow
$opsEnvironment = Get-FailoverEnvironment -Environment $Environment -EnvironmentPath $EnvironmentPath -DatabaseServer $Primary, $Standby

# 1. The primary is down: it refuses connections at its own address ...
$primaryErrors = $null
$null = Get-PostgresReplicationStatus -Environment $opsEnvironment -DatabaseServer $Primary `
    -ErrorAction SilentlyContinue -ErrorVariable primaryErrors -WarningAction SilentlyContinue
if (-not $primaryErrors -or $primaryErrors[0].FullyQualifiedErrorId -notlike 'ConnectionFailed,*') {
    $how = if ($primaryErrors) { "it answered: $($primaryErrors[0])" } else { 'it answered and accepted the login' }
    Stop-Failover PrimaryStillAnswers "The primary '$Primary' is not down ($how). Promoting the standby beside a live primary splits the data: stop the primary first, or use Invoke-PlannedSwitchover.ps1." `
        ResourceExists $Primary
}
$primaryCheck = "$Primary refused connections: $($primaryErrors[0].Exception.Message)"

# ... and the standby does not reach it either.
$status = Get-PostgresReplicationStatus -Environment $opsEnvironment -DatabaseServer $Standby -ErrorAction Stop -WarningAction SilentlyContinue |
    Select-Object -First 1
if (-not $status -or $status.GetType().Name -ne 'StandbyStatus') {
    Stop-Failover StandbyNotInRecovery "'$Standby' is not in recovery: it is a primary already, so there is nothing to promote. Check that -Standby names the standby." `
        InvalidArgument $Standby
}
if ($status.PrimaryReachable) {
    Stop-Failover PrimaryStillAnswers "The standby '$Standby' still reaches its primary ($($status.PrimaryProbe)), although '$Primary' refused a connection: check that -Primary names the server it follows, and stop that one first." `
        ResourceExists $Primary
}
$PSCmdlet.WriteVerbose("Primary down: $primaryCheck; standby: $($status.PrimaryProbe)")

# 2-3. Promote, with the standby's staleness and lag checked first, and prove a write.
if (-not $PSCmdlet.ShouldProcess("$Standby in $($opsEnvironment.Name) (received $($status.ReceiveLsn), $($status.LagBytes) bytes to replay)", 'Promote to primary')) {
    return
}
$promotionErrors = $null
$result = Invoke-PostgresPromotion -Environment $opsEnvironment -DatabaseServer $Standby -MaximumReceiveAge $MaximumReceiveAge `
    -MaximumLagBytes $MaximumLagBytes -Timeout $Timeout -Force:$Force -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable promotionErrors

# 4. Report.
Write-FailoverReport -OpsEnvironment $opsEnvironment -Kind Unplanned -Primary $Primary -Standby $Standby `
    -PrimaryCheck $primaryCheck -Status $status -LagBytes $status.LagBytes `
    -Result $result -PromotionErrors $promotionErrors -Started $started
