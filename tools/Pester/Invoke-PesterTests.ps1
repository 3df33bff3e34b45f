<#
.SYNOPSIS
Runs the Pester tests in tests/pester with the Pester module restored from NuGet, and writes the counts.

.DESCRIPTION
Used by ./build.sh test and ./build.ps1 -Task Test. Imports Pester from -PesterPath (the tools/ folder of
the Pester package that tools/Pester/Pester.Restore.csproj restores), runs tests/pester with detailed
output, and writes "<passed> <failed>" to -CountsFile, where failed also counts the tests of blocks and
files that could not run. Exits 1 when anything failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $PesterPath,

    [Parameter(Mandatory)]
    [string] $CountsFile
)

$ErrorActionPreference = 'Stop'

Import-Module (Join-Path (Resolve-Path -LiteralPath $PesterPath) 'Pester.psd1') -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'tests', 'pester')
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
# Repeated after the run so that the tail of a long log names what failed.
function Write-Failure([string] $What, $ErrorRecord) {
    Write-Host "Failed $What"
    $message = ($ErrorRecord | Select-Object -First 1).Exception.Message -split "`n" | Select-Object -First 1
    if ($message) { Write-Host "  $message" }
}
foreach ($test in $result.Failed) { Write-Failure "test: $($test.ExpandedPath)" $test.ErrorRecord }
foreach ($block in $result.FailedBlocks) { Write-Failure "block: $($block.ExpandedPath)" $block.ErrorRecord }
foreach ($container in $result.FailedContainers) { Write-Failure "file: $($container.Item)" $container.ErrorRecord }
Set-Content -LiteralPath $CountsFile -Value "$($result.PassedCount) $failed"
if ($failed -gt 0 -or $result.Result -ne 'Passed') { exit 1 }
