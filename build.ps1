<#
.SYNOPSIS
Builds, tests, demonstrates and packages the OpsRunbooks module.

.DESCRIPTION
The pwsh entry point of the repository. Each task runs from the repository root, whatever the
current location, and stops at the first failure: a native command (dotnet, bash) that exits with a
non-zero code fails the build with that code named.

Build    dotnet build OpsRunbooks.sln; this also assembles the importable module in out/OpsRunbooks.
Test     Build, then on Linux as root install the test servers' packages (tests/services/install.sh),
         install pwsh 7.6.9 into .tools/pwsh (the xunit tests run a runbook with it), then dotnet test,
         then the Pester tests in tests/pester with this pwsh, with Pester 5.9.1
         restored from NuGet into .tools/nuget (tools/Pester/Pester.Restore.csproj).
Demo     Runs the demo task of build.sh (bash ./build.sh demo; with -Fresh, demo --fresh): backups of a
         throwaway PostgreSQL that it leaves running, with out/demo/env.sh for -Environment local.
Package  Runs the package task of build.sh (bash ./build.sh package): out/package/ with the module,
         the runner published for the .NET 10 runtime, the runbooks and the opsrunbook launcher, and
         out/opsrunbooks-<version>.tar.gz of it.

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
Builds in Release and writes out/package/ and out/opsrunbooks-<version>.tar.gz.
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
    Write-Phase 'Restoring Pester 5.9.1 from NuGet into .tools/nuget'
    Invoke-Native dotnet @('restore', (Join-Path $repositoryRoot 'tools/Pester/Pester.Restore.csproj'), '-nologo', '-verbosity:quiet')

    Write-Phase 'Running the Pester tests'
    # In a pwsh of its own, so this session keeps no Pester and no OpsRunbooks module loaded.
    $counts = New-TemporaryFile
    try {
        $pwsh = Join-Path $PSHOME 'pwsh'
        Invoke-Native $pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $repositoryRoot 'tools/Pester/Invoke-PesterTests.ps1'),
            '-PesterPath', (Join-Path $repositoryRoot '.tools/nuget/pester/5.9.1/tools'), '-CountsFile', $counts.FullName)
        $passed, $failed = (Get-Content -LiteralPath $counts.FullName -Raw).Trim().Split(' ')
        Write-Host "Pester: $passed passed, $failed failed"
    }
    finally {
        Remove-Item -LiteralPath $counts.FullName -ErrorAction SilentlyContinue
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

    # The xunit tests run a runbook with pwsh -File from here, as ./build.sh test installs it.
    if (-not (Test-Path -LiteralPath (Join-Path $repositoryRoot '.tools/pwsh/pwsh'))) {
        Write-Phase 'Installing pwsh 7.6.9 into .tools/pwsh'
        Invoke-Native dotnet @('tool', 'install', '--tool-path', (Join-Path $repositoryRoot '.tools/pwsh'), 'PowerShell', '--version', '7.6.9')
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
    Write-Phase 'Packaging the module, the runner and the runbooks (build.sh package)'
    Invoke-Native bash @('./build.sh', 'package')
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
