<#
.SYNOPSIS
The high-load emergency: scales the named worker targets up to their maxima, checks the resources they lean on, and reports.

.DESCRIPTION
The seed runbook "High Load Emergency" as one command:
1. Scale: every -Target (by default every entry of the environment's Scaling.Targets) is set to its
   Maximum with Set-WorkerScale -Wait -RollbackOnFailure, so workers that crash on start are rolled
   back rather than left crash-looping.
2. Check resources: the queues (Get-QueueDepth, when the environment has Scaling.Redis and
   Scaling.Queues) and Redis itself (Test-RedisHealth: reachable, latency, memory).
3. Report: one object per target (Kind = Target: Previous, Requested, Ready, Outcome, Reason) and per
   resource check (Kind = Queue or Redis), so the operator sees at once what changed and what is
   still short.

Exits 1 when a target did not converge or a resource check is not Healthy. -WhatIf says what would be
scaled and changes nothing.

.EXAMPLE
opsrunbook run runbooks/scaling/Invoke-HighLoadResponse.ps1 -Environment production

.EXAMPLE
pwsh -File runbooks/scaling/Invoke-HighLoadResponse.ps1 -Environment production -Target queue-workers, api -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess)]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The Scaling.Targets entries to scale up; all of them by default.
    [string[]] $Target,

    # How long each target's new workers have to become ready.
    [timespan] $Timeout = '00:05:00',

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$ErrorActionPreference = 'Stop'
$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath
$targetParameters = @{ Environment = $opsEnvironment }
if ($Target) { $targetParameters.Name = $Target }
$targets = @(New-WorkerScaleTarget @targetParameters)
$failed = $false

foreach ($scaleTarget in $targets) {
    $result = Set-WorkerScale -Target $scaleTarget -Replicas $scaleTarget.Maximum -Wait -RollbackOnFailure -Timeout $Timeout -ErrorAction Continue -ErrorVariable scaleErrors
    if ($scaleErrors.Count -gt 0) { $failed = $true }
    if ($result) {
        [pscustomobject]@{
            Kind      = 'Target'
            Name      = $scaleTarget.Name
            Previous  = $result.Previous
            Requested = $result.Requested
            Ready     = $result.Ready
            Outcome   = $result.Outcome
            Reason    = $result.Reason
        }
    }
}

$scaling = $opsEnvironment.Sections['Scaling']
if ($scaling.Redis -and $scaling.Queues) {
    foreach ($depth in Get-QueueDepth -Environment $opsEnvironment) {
        [pscustomobject]@{
            Kind       = 'Queue'
            Name       = $depth.Queue
            Pending    = $depth.Pending
            OldestWait = $depth.OldestPendingAge
        }
    }
}
if ($scaling.Redis) {
    $redisParameters = @{ Redis = $scaling.Redis.Server; RedisDatabase = $scaling.Redis.Database }
    if ($scaling.Redis.Password) {
        $user = if ($scaling.Redis.User) { $scaling.Redis.User } else { 'default' }
        $redisParameters.Credential = [pscredential]::new($user, (ConvertTo-SecureString $scaling.Redis.Password.Resolve() -AsPlainText -Force))
    }
    $redis = Test-RedisHealth @redisParameters -ErrorAction Continue
    foreach ($check in $redis) {
        if ($check.Status -ne 'Healthy') { $failed = $true }
        [pscustomobject]@{
            Kind   = 'Redis'
            Name   = $check.Target
            Status = $check.Status
            Reason = $check.Reason
        }
    }
}
if ($failed) { exit 1 }
