<#
.SYNOPSIS
One round of bench/health-check.sh: the slowest check alone, then Invoke-HealthCheck of the whole environment.

.DESCRIPTION
Runs Test-HttpEndpoint on -SlowestUri (the slowest check the environment declares) and then
Invoke-HealthCheck -Environment, -Repeat times in turn in this one process, and writes per round one line

    BENCH-RESULT round=<n> single_s=<s> all_s=<s> checks=<n> healthy=<n> slowest_check_s=<s>

where single_s and all_s are wall times, and slowest_check_s the longest Duration among the results.
Runs in the embedded engine of `opsrunbook run`, so it uses the language and .NET only.

.EXAMPLE
dotnet opsrunbook.dll run bench/health-check-once.ps1 -EnvironmentPath /tmp/env -Environment bench -SlowestUri http://127.0.0.1:8080/slow/2000 -Repeat 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $EnvironmentPath,
    [Parameter(Mandatory)] [string] $Environment,
    [Parameter(Mandatory)] [uri] $SlowestUri,
    [int] $Repeat = 3
)

$ErrorActionPreference = 'Stop'
$opsEnvironment = Get-OpsEnvironment -Name $Environment -Path $EnvironmentPath
foreach ($round in 1..$Repeat) {
    $single = [System.Diagnostics.Stopwatch]::StartNew()
    $null = Test-HttpEndpoint -Uri $SlowestUri -MaximumLatency 00:00:05
    $single.Stop()
    $all = [System.Diagnostics.Stopwatch]::StartNew()
    $results = @(Invoke-HealthCheck -Environment $opsEnvironment)
    $all.Stop()
    $healthy = @($results | Where-Object Status -eq 'Healthy').Count
    $slowest = ($results | ForEach-Object { $_.Duration.TotalSeconds } | Measure-Object -Maximum).Maximum
    foreach ($result in $results | Where-Object Status -ne 'Healthy') { Write-Warning $result.ToString() }
    [Console]::Out.WriteLine(('BENCH-RESULT round={0} single_s={1:0.000} all_s={2:0.000} checks={3} healthy={4} slowest_check_s={5:0.000}' -f
            $round, $single.Elapsed.TotalSeconds, $all.Elapsed.TotalSeconds, $results.Count, $healthy, $slowest))
}
