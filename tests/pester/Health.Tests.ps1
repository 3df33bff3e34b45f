#Requires -Version 7.4
<#
.SYNOPSIS
Health: what a health check returns, how an environment declares its checks, and the morning runbook's exit
codes. Each status of each check against real HTTP, TLS, PostgreSQL and SSH servers is covered by the xunit
tests (HealthTests).
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1

    # An environment whose Health section checks disks only: they need no server.
    function New-DiskEnvironment {
        param([Parameter(Mandatory)][string] $Name, [Parameter(Mandatory)][string[]] $Entries)
        New-EnvironmentDirectory -Name $Name -Content @"
@{
    Name   = '$Name'
    Health = @{
        Disk = @(
            $($Entries -join "`n            ")
        )
    }
}
"@
    }
}

AfterAll { Remove-ScratchRoot }

Describe 'A health check result' {
    It 'says what was checked, its status, the reason, and what was measured against which threshold' {
        $result = Test-DiskSpace -Path $scratchRoot

        $result.Check | Should -Be 'Disk'
        $result.Target | Should -Be $scratchRoot
        $result.Status | Should -BeIn 'Healthy', 'Degraded', 'Unhealthy'
        $result.Reason | Should -Not -BeNullOrEmpty
        $result.Measured.FreePercent | Should -BeGreaterOrEqual 0
        $result.Thresholds.DegradedFreePercent | Should -Be 20
        $result.Thresholds.UnhealthyFreePercent | Should -Be 10
    }

    It 'is Unhealthy, with the reason, when the target does not answer' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()

        $result = Test-HttpEndpoint -Uri "http://127.0.0.1:$port/health"

        $result.Status | Should -Be 'Unhealthy'
        $result.Reason | Should -Match 'refused'
    }

    It 'serializes its measured values as an object' {
        $json = Test-DiskSpace -Path $scratchRoot | ConvertTo-Json | ConvertFrom-Json

        $json.Measured.TotalBytes | Should -BeGreaterThan 0
        $json.Status | Should -Be 0 -Because 'an enum is written as its number, Healthy being 0'
    }
}

Describe 'Invoke-HealthCheck and the morning health check' {
    It 'runs every check the Health section declares, one result each in the order of the file' {
        $directory = New-DiskEnvironment -Name 'pesterdisks' -Entries @(
            "@{ Path = '$scratchRoot'; DegradedFreePercent = 0; UnhealthyFreePercent = 0 }"
            "@{ Path = '/' ; DegradedFreePercent = 0; UnhealthyFreePercent = 0 }"
        )

        $results = Invoke-HealthCheck -Environment (Get-OpsEnvironment pesterdisks -Path $directory)

        $results.Target | Should -Be @($scratchRoot, '/')
        $results.Status | Should -Be @('Healthy', 'Healthy')
    }

    It 'exits 0 when every check is Healthy and 1 when one is Unhealthy' {
        $healthy = New-DiskEnvironment -Name 'pesterhealthy' -Entries "@{ Path = '$scratchRoot'; DegradedFreePercent = 0; UnhealthyFreePercent = 0 }"
        $unhealthy = New-DiskEnvironment -Name 'pesterunhealthy' -Entries "@{ Path = '$scratchRoot/no-such-directory' }"

        Invoke-RunbookProcess -Runbook 'health/Invoke-MorningHealthCheck.ps1' -Arguments @('-Environment', 'pesterhealthy', '-EnvironmentPath', $healthy) |
            Should -Be 0
        Invoke-RunbookProcess -Runbook 'health/Invoke-MorningHealthCheck.ps1' -Arguments @('-Environment', 'pesterunhealthy', '-EnvironmentPath', $unhealthy) |
            Should -Be 1
    }
}
