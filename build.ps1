<#
.SYNOPSIS
Builds, tests, demonstrates and packages the OpsRunbooks module.

.DESCRIPTION
The pwsh entry point of the repository. Each task runs from the repository root, whatever the
current location, and stops at the first failure: a native command (dotnet, bash) that exits with a
non-zero code fails the build with that code named.

Build    dotnet build OpsRunbooks.sln; this also assembles the importable module in out/OpsRunbooks.
Test     Build, then on Linux as root install the test servers' packages (tests/services/install.sh),
         then dotnet test, then the Pester 5 tests in tests/pester when Pester 5 is installed.
Demo     Runs the demo task of build.sh (bash ./build.sh demo; with -Fresh, demo --fresh): backups of a
         throwaway PostgreSQL that it leaves running, with out/demo/env.sh for -Environment local.
Package  Builds in Release, copies out/OpsRunbooks to out/package/OpsRunbooks and zips it as
         out/OpsRunbooks-<ModuleVersion>.zip, the version read from the module manifest.

.PARAMETER Task
What to do: Build (the default), Test, Demo or Package.

.PARAMETER Fresh
With -Task Demo: start the demo over, removing the server, key pair and backups of an earlier demo.

.PARAMETER Configuration
The .NET build configuration for Build and Test: Debug (the default) or Release. Package always
builds Release.

.EXAMPLE
./build.ps1
Builds the solution in Debug and assembles out/OpsRunbooks.

.EXAMPLE
./build.ps1 -Task Test
Builds, runs the xunit tests against the real test servers, then the Pester tests.

.EXAMPLE
./build.ps1 -Task Package
Builds in Release and writes out/OpsRunbooks-<version>.zip.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package')]
    [string] $Task = 'Build',

    [string] $Configuration = 'Debug',

    [switch] $Fresh
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$repositoryRoot = $PSScriptRoot
$solution = Join-Path $repositoryRoot 'OpsRunbooks.sln'
$moduleDirectory = Join-Path $repositoryRoot 'out/OpsRunbooks'

function Write-Phase {
    param([Parameter(Mandatory)][string] $Message)
    Write-Host "==> $Message" -ForegroundColor Cyan
}

# Runs a native command and fails the build when it exits with anything but 0.
function Invoke-Native {
    param(
        [Parameter(Mandatory)][string] $FilePath,
        [string[]] $ArgumentList = @()
    )
    Write-Host "> $FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Build-Solution {
    param([Parameter(Mandatory)][string] $BuildConfiguration)
    Write-Phase "Building OpsRunbooks.sln ($BuildConfiguration)"
    Invoke-Native dotnet @('build', $solution, '-c', $BuildConfiguration)
    if (-not (Test-Path -LiteralPath (Join-Path $moduleDirectory 'OpsRunbooks.psd1'))) {
        throw "The build did not assemble the module: $moduleDirectory/OpsRunbooks.psd1 is missing."
    }
}

function Test-IsLinuxRoot {
    if (-not $IsLinux) { return $false }
    $userId = & id -u
    return $LASTEXITCODE -eq 0 -and "$userId".Trim() -eq '0'
}

function Invoke-PesterTests {
    $pester = Get-Module -ListAvailable Pester |
        Where-Object { $_.Version -ge [version]'5.0' } |
        Sort-Object Version -Descending |
        Select-Object -First 1
    if ($null -eq $pester) {
        Write-Warning 'Pester 5 is not installed (Install-Module Pester -MinimumVersion 5.0): the Pester tests in tests/pester were skipped.'
        return
    }

    Write-Phase "Running the Pester tests (Pester $($pester.Version))"
    Import-Module $pester -Force
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $repositoryRoot 'tests/pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $config
    if ($result.Result -ne 'Passed' -or $result.FailedCount -gt 0) {
        throw "The Pester tests failed: $($result.FailedCount) test(s) failed, $($result.FailedBlocksCount) block(s) and $($result.FailedContainersCount) file(s) could not run."
    }
}

function Invoke-TestTask {
    Build-Solution -BuildConfiguration $Configuration

    if (Test-IsLinuxRoot) {
        Write-Phase 'Installing the test servers'
        Invoke-Native bash @((Join-Path $repositoryRoot 'tests/services/install.sh'))
    }
    else {
        Write-Host 'tests/services/install.sh runs only as root on Linux and was skipped; the test servers'' packages must already be installed.'
    }

    Write-Phase 'Running the .NET tests'
    Invoke-Native dotnet @('test', $solution, '-c', $Configuration, '--no-build')

    Invoke-PesterTests
}

function Invoke-DemoTask {
    $demoArguments = @('demo') + @(if ($Fresh) { '--fresh' })
    Write-Phase "Running the demo (build.sh $($demoArguments -join ' '))"
    Invoke-Native bash (@('./build.sh') + $demoArguments)
}

function Invoke-PackageTask {
    Build-Solution -BuildConfiguration 'Release'

    Write-Phase 'Packaging the module'
    $packageRoot = Join-Path $repositoryRoot 'out/package'
    $packageModule = Join-Path $packageRoot 'OpsRunbooks'
    if (Test-Path -LiteralPath $packageRoot) {
        Remove-Item -LiteralPath $packageRoot -Recurse -Force
    }
    New-Item -ItemType Directory -Path $packageRoot | Out-Null
    Copy-Item -LiteralPath $moduleDirectory -Destination $packageModule -Recurse

    $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $packageModule 'OpsRunbooks.psd1')
    $archive = Join-Path $repositoryRoot "out/OpsRunbooks-$($manifest.ModuleVersion).zip"
    Compress-Archive -LiteralPath $packageModule -DestinationPath $archive -Force
    Write-Host "Wrote $archive"
}

Push-Location -LiteralPath $repositoryRoot
try {
    switch ($Task) {
        'Build' { Build-Solution -BuildConfiguration $Configuration }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Package' { Invoke-PackageTask }
    }
}
finally {
    Pop-Location
}
