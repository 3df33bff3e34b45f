<#
.SYNOPSIS
The morning health check: every endpoint, certificate, database server, Redis and disk the environment declares.

.DESCRIPTION
Runs Invoke-HealthCheck for the environment: every check its Health section declares (Http, Tls, Postgres,
Redis, Disk), several at once, each against the thresholds its entry gives. The output is one
HealthCheckResult per check, in the order of the file.

An Unhealthy result is written as an error and a Degraded one as a warning, each with its reason. The exit
code is the worst status, so a scheduled task or monitoring system can tell them apart (under pwsh -File and
opsrunbook alike):

    0  every check is Healthy
    3  the worst is Degraded: look at it today
    1  a check is Unhealthy, or could not be made (a Health entry naming an unknown server, no Health section)

.EXAMPLE
opsrunbook run runbooks/health/Invoke-MorningHealthCheck.ps1 -Environment production
#>
#Requires -Modules OpsRunbooks
[CmdletBinding()]
param(
    # The environment's name: a file <name>.psd1 in -EnvironmentPath.
    [Parameter(Mandatory)]
    [string] $Environment,

    # The directory of the environment files; by default runbooks/environments beside this script.
    [string] $EnvironmentPath = [System.IO.Path]::Combine($PSScriptRoot, '..', 'environments'),

    # How many checks run at the same time; by default the Health section's ThrottleLimit, else 16.
    [ValidateRange(1, 256)]
    [int] $ThrottleLimit
)

$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath -ErrorAction Stop

$throttle = if ($PSBoundParameters.ContainsKey('ThrottleLimit')) { @{ ThrottleLimit = $ThrottleLimit } } else { @{} }
$results = @(Invoke-HealthCheck -Environment $opsEnvironment @throttle -ErrorVariable checkErrors)

foreach ($result in $results) {
    $message = "$($result.Check) $($result.Target): $($result.Status): $($result.Reason)"
    if ($result.Status -eq 'Unhealthy') {
        $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                [System.Exception]::new($message), 'HealthCheckUnhealthy', [System.Management.Automation.ErrorCategory]::InvalidResult, $result))
    }
    elseif ($result.Status -eq 'Degraded') {
        $PSCmdlet.WriteWarning($message)
    }
    else {
        $PSCmdlet.WriteVerbose($message)
    }
    $result
}

$unhealthy = @($results | Where-Object Status -eq 'Unhealthy').Count
$degraded = @($results | Where-Object Status -eq 'Degraded').Count
if ($unhealthy -gt 0 -or $checkErrors.Count -gt 0) { exit 1 }
if ($degraded -gt 0) { exit 3 }
