<#
.SYNOPSIS
One Set-WorkerScale -Wait of a Swarm service for bench/worker-scale.sh; prints one machine-readable result line.

.DESCRIPTION
Scales -Service on the Docker Engine at -Endpoint to -Replicas and waits until that many tasks run and stay up
through the settle window, then writes

    BENCH-RESULT duration_s=<s> outcome=<Converged|...> drain_s=<s or empty> killed=<n>

where duration_s is the ScaleResult's Duration (from the request to convergence, settle window included).
#>
#Requires -Modules OpsRunbooks
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Service,
    [Parameter(Mandatory)] [int] $Replicas
)
$ErrorActionPreference = 'Stop'
$target = New-WorkerScaleTarget -Name $Service -Definition @{ Driver = 'Swarm'; Service = $Service; Endpoint = $Endpoint; Minimum = 0; Maximum = 16 }
$result = Set-WorkerScale -Target $target -Replicas $Replicas -Wait -Timeout 00:05:00 -Confirm:$false
if ($result.Outcome -ne 'Converged') { throw "Set-WorkerScale did not converge: $($result.Reason)" }
$drain = if ($null -ne $result.DrainDuration) { $result.DrainDuration.TotalSeconds.ToString('0.000', [cultureinfo]::InvariantCulture) } else { '' }
'BENCH-RESULT duration_s={0} outcome={1} drain_s={2} killed={3}' -f $result.Duration.TotalSeconds.ToString('0.000', [cultureinfo]::InvariantCulture), $result.Outcome, $drain, $result.Killed.Count
