<#
.SYNOPSIS
Queue-driven worker scaling: measures the queues, decides the worker count, scales, checks that the queue drains, rolls back workers that fail.

.DESCRIPTION
The seed runbook "Horizontal Scaling - Queue Workers" as one command, safe to run every minute from a
scheduled task:
1. Assess: Get-QueueDepth reads the environment's Scaling.Queues (or -Queue) from its Scaling.Redis.
2. Recommend: Get-WorkerScaleRecommendation applies the formula Target Workers = (Queue Length /
   -TargetWaitMinutes) / -JobsPerWorkerPerMinute, the tolerance, the step limits, the target's
   Minimum and Maximum and the scale-down stabilisation window (remembered between runs in a state
   file), and reads the current count from the target.
3. Scale: when the recommendation differs from the current count, Set-WorkerScale -Wait
   -RollbackOnFailure: the new workers must become ready and stay up within -Timeout, or the previous
   count is put back. Surplus workers are drained (stop signal, grace period).
4. Verify: after a scale-up, the queue is measured again after -DrainCheck; a queue that did not get
   shorter while workers are ready is reported as not draining.

Emits one summary object (Environment, Target, Pending, OldestWait, Current, Desired, Rule, Reason,
Outcome, Ready, PendingAfter, Draining, Result) and exits 1 when the workers did not converge, were
rolled back, or the queue is not draining. -WhatIf measures and recommends but changes nothing.

.EXAMPLE
opsrunbook run runbooks/scaling/Invoke-QueueWorkerScaling.ps1 -Environment production -Target queue-workers

.EXAMPLE
pwsh -File runbooks/scaling/Invoke-QueueWorkerScaling.ps1 -Environment production -Target queue-workers -TargetWaitMinutes 2 -JobsPerWorkerPerMinute 5 -WhatIf
#>
#Requires -Modules OpsRunbooks
[CmdletBinding(SupportsShouldProcess)]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The scale target: an entry of the environment's Scaling.Targets.
    [Parameter(Mandatory)]
    [string] $Target,

    # The queues whose jobs the target's workers take; by default the environment's Scaling.Queues.
    [string[]] $Queue,

    # How long a job may wait before a worker takes it.
    [double] $TargetWaitMinutes = 2,

    # How many jobs one worker finishes a minute.
    [double] $JobsPerWorkerPerMinute = 5,

    # The most workers added or removed in one run; no limit when 0.
    [int] $MaxStepUp = 0,
    [int] $MaxStepDown = 0,

    # Workers are removed only when every recommendation of this window was lower.
    [timespan] $ScaleDownStabilization = '00:05:00',

    # How long new workers have to become ready before the previous count is put back.
    [timespan] $Timeout = '00:05:00',

    # How long to watch the queue after a scale-up before judging whether it drains.
    [timespan] $DrainCheck = '00:00:20',

    # Where the recommendation history is kept between runs; the module's default state directory when empty.
    [string] $StateDirectory,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments')
)

$ErrorActionPreference = 'Stop'
$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath
$scaleTarget = New-WorkerScaleTarget -Environment $opsEnvironment -Name $Target

$depthParameters = @{ Environment = $opsEnvironment }
if ($Queue) { $depthParameters.Queue = $Queue }
$depths = @(Get-QueueDepth @depthParameters)

$recommendParameters = @{
    Environment            = $opsEnvironment
    Target                 = $scaleTarget
    TargetWaitMinutes      = $TargetWaitMinutes
    JobsPerWorkerPerMinute = $JobsPerWorkerPerMinute
    ScaleDownStabilization = $ScaleDownStabilization
}
if ($MaxStepUp -gt 0) { $recommendParameters.MaxStepUp = $MaxStepUp }
if ($MaxStepDown -gt 0) { $recommendParameters.MaxStepDown = $MaxStepDown }
if ($StateDirectory) { $recommendParameters.StateDirectory = $StateDirectory }
$recommendation = $depths | Get-WorkerScaleRecommendation @recommendParameters
$PSCmdlet.WriteVerbose("$($opsEnvironment.Name)/$($Target): $($recommendation.Reason)")

$result = $null
$failed = $false
$pendingAfter = $null
$draining = $null
if ($recommendation.Desired -ne $recommendation.Current) {
    # Set-WorkerScale writes its own error when the workers fail; the summary below still goes out.
    $result = $recommendation | Set-WorkerScale -Wait -RollbackOnFailure -Timeout $Timeout -ErrorAction Continue -ErrorVariable scaleErrors
    $failed = $null -ne $result -and -not $result.Converged -or $scaleErrors.Count -gt 0

    if ($result -and $result.Converged -and $recommendation.Desired -gt $recommendation.Current -and $recommendation.Pending -gt 0) {
        Start-Sleep -Milliseconds $DrainCheck.TotalMilliseconds
        $pendingAfter = (@(Get-QueueDepth @depthParameters) | Measure-Object -Property Pending -Sum).Sum
        $draining = $pendingAfter -lt $recommendation.Pending
        if (-not $draining) {
            $failed = $true
            $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [System.Exception]::new("$($opsEnvironment.Name)/$($Target): the queue did not get shorter in $DrainCheck with $($result.Ready) worker(s) ready ($($recommendation.Pending) pending, then $pendingAfter); look at the workers' logs."),
                    'QueueNotDraining', [System.Management.Automation.ErrorCategory]::InvalidResult, $Target))
        }
    }
}

[pscustomobject]@{
    Environment  = $opsEnvironment.Name
    Target       = $Target
    Pending      = $recommendation.Pending
    OldestWait   = $recommendation.OldestPendingAge
    Current      = $recommendation.Current
    Desired      = $recommendation.Desired
    Rule         = $recommendation.Rule
    Reason       = $recommendation.Reason
    Outcome      = if ($result) { $result.Outcome } elseif ($recommendation.Desired -eq $recommendation.Current) { 'Unchanged' } else { 'NotChanged' }
    Ready        = if ($result) { $result.Ready } else { $null }
    PendingAfter = $pendingAfter
    Draining     = $draining
    Result       = $result
}
if ($failed) { exit 1 }
