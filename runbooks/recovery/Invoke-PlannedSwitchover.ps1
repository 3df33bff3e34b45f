<#
.SYNOPSIS
Switches the primary role to the standby for maintenance, only while the standby is less than a threshold behind.

.DESCRIPTION
The seed's planned failover as one run, for -Primary and -Standby, two DatabaseServers entries of the environment:

1. The primary must be a primary with the standby streaming from it: a row of its pg_stat_replication from one of
   the standby's addresses (StandbyNotConnected otherwise); the standby must be in recovery with its WAL receiver
   streaming (StandbyNotStreaming).
2. The standby's replay lag as the primary reports it (pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), the seed's
   lag_bytes) must be at most -MaximumLagBytes, 1 MB by default (SwitchoverLagTooHigh otherwise: nothing is changed).
3. Invoke-PostgresPromotion promotes the standby (with the same lag limit on what it still has to replay), waits until
   it leaves recovery and proves a write.
4. The output is one OpsRunbooks.FailoverReport, as Invoke-UnplannedFailover.ps1 writes it.

It does not stop or fence the old primary: before running it, stop the applications' writes to it (the seed moves
the virtual IP by lowering the primary's keepalived priority), and afterwards stop it and rebuild it as a standby of
the new primary. Whatever it still accepts after the promotion is not replicated. Any refusal or failure writes an
error with its id and exits with 1.

.EXAMPLE
opsrunbook run runbooks/recovery/Invoke-PlannedSwitchover.ps1 -Environment production -Primary primary -Standby replica -Confirm:$false

.EXAMPLE
./Invoke-PlannedSwitchover.ps1 -Environment production -Primary primary -Standby replica -MaximumLagBytes 64KB -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The DatabaseServers entry of the current primary.
    [Parameter(Mandatory)]
    [string] $Primary,

    # The DatabaseServers entry of the standby to promote.
    [Parameter(Mandatory)]
    [string] $Standby,

    # The most WAL the standby may be behind, in bytes: the seed's 1 MB by default.
    [ValidateRange(0, [long]::MaxValue)]
    [long] $MaximumLagBytes = 1MB,

    # How long promotion may take.
    [timespan] $Timeout = '00:01:00',

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

. $PSScriptRoot/_Failover.ps1

$started = [datetime]::UtcNow
$opsEnvironment = Get-FailoverEnvironment -Environment $Environment -EnvironmentPath $EnvironmentPath -DatabaseServer $Primary, $Standby
$standbyServer = $opsEnvironment.DatabaseServers | Where-Object Name -eq $Standby

# 1. The primary streams to the standby; the standby receives.
$senders = @(Get-PostgresReplicationStatus -Environment $opsEnvironment -DatabaseServer $Primary -ErrorAction Stop -WarningAction SilentlyContinue)
if ($senders | Where-Object { $_.GetType().Name -eq 'StandbyStatus' }) {
    Stop-Failover PrimaryIsStandby "'$Primary' is in recovery: it is not the primary. Check -Primary and -Standby." InvalidArgument $Primary
}
$addresses = @([System.Net.Dns]::GetHostAddresses($standbyServer.Host) | ForEach-Object IPAddressToString)
$rows = @($senders | Where-Object ClientAddress -in $addresses)
if ($rows.Count -eq 0) {
    Stop-Failover StandbyNotConnected "'$Primary' reports no standby connected from $($standbyServer.Host) ($($addresses -join ', ')); it streams to: $(if ($senders) { ($senders | ForEach-Object { "$($_.StandbyName) at $($_.ClientAddress)" }) -join ', ' } else { 'none' })." `
        ObjectNotFound $Standby
}
$status = Get-PostgresReplicationStatus -Environment $opsEnvironment -DatabaseServer $Standby -ErrorAction Stop -WarningAction SilentlyContinue |
    Select-Object -First 1
if (-not $status -or $status.GetType().Name -ne 'StandbyStatus' -or $status.ReceiverStatus -ne 'streaming') {
    $what = if ($status -and $status.GetType().Name -eq 'StandbyStatus') { "its WAL receiver is '$($status.ReceiverStatus)'" } else { 'it is not in recovery' }
    Stop-Failover StandbyNotStreaming "'$Standby' does not stream from its primary ($what): a switchover needs it current." InvalidArgument $Standby
}

# 2. Lag under the threshold, as the primary measures it; several rows from the standby's host count as the worst.
$lags = @($rows | ForEach-Object ReplayLagBytes)
$lag = if ($lags -contains $null) { $null } else { [long]($lags | Measure-Object -Maximum).Maximum }
if ($null -eq $lag -or $lag -gt $MaximumLagBytes) {
    Stop-Failover SwitchoverLagTooHigh ("'$Standby' is {0:N0} bytes behind '$Primary' (replayed {1}, primary at {2}), more than -MaximumLagBytes {3:N0}. Nothing was changed: wait for it to catch up{4} and run the switchover again." -f `
            $lag, $rows[0].ReplayLsn, $rows[0].CurrentLsn, $MaximumLagBytes, $(if ($status.ReplayPaused) { ' (its replay is paused: SELECT pg_wal_replay_resume())' } else { '' })) `
        LimitsExceeded $Standby
}

# 3. Promote and prove a write.
if (-not $PSCmdlet.ShouldProcess("$Standby in $($opsEnvironment.Name) ($lag bytes behind $Primary)", 'Promote to primary')) {
    return
}
$promotionErrors = $null
$result = Invoke-PostgresPromotion -Environment $opsEnvironment -DatabaseServer $Standby -MaximumLagBytes $MaximumLagBytes -Timeout $Timeout `
    -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable promotionErrors

# 4. Report.
Write-FailoverReport -OpsEnvironment $opsEnvironment -Kind Planned -Primary $Primary -Standby $Standby `
    -PrimaryCheck "$Primary streamed to $Standby, $lag bytes behind (limit $MaximumLagBytes)" -Status $status -LagBytes $lag `
    -Result $result -PromotionErrors $promotionErrors -Started $started
