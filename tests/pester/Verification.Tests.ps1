#Requires -Version 7.4
<#
.SYNOPSIS
Verification: the verification runbooks as a scheduled task runs them, with pwsh -File, and their exit codes.

.DESCRIPTION
Test-BackupIntegrity's checks (checksum, decryption, archive, restore test, row counts, queries) and
what the runbooks output are covered by the xunit tests against local and S3 stores (IntegrityTests);
here: a run that finds a problem ends the process with exit code 1, so the scheduled task fails.
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    . $PSScriptRoot/TestServer.ps1
    $content = New-TestEnvironmentContent -Name 'pesterverify' -Databases $seedDatabase
    $verifyPath = New-EnvironmentDirectory -Name 'pesterverify' -Content $content
    $verifyStore = New-BackupStore -Path (Join-Path $verifyPath 'store')
    $arguments = @('-Environment', 'pesterverify', '-EnvironmentPath', $verifyPath)
}

AfterAll {
    Stop-TestServer
}

Describe 'runbooks/verification under pwsh -File' {
    It 'Invoke-RestoreDrill.ps1 exits 1 while there is no older backup to drill, and 0 once there is' {
        $first = Invoke-TestBackup -Store $verifyStore
        Invoke-RunbookProcess -Runbook 'verification/Invoke-RestoreDrill.ps1' -Arguments $arguments | Should -Be 1
        $null = Invoke-TestBackup -Store $verifyStore
        Invoke-RunbookProcess -Runbook 'verification/Invoke-RestoreDrill.ps1' -Arguments $arguments | Should -Be 0
        $first.Id | Should -BeIn @(Get-DatabaseBackup -Store $verifyStore).Id
    }

    It 'Test-RecentBackups.ps1 exits 0 when every backup is good and 1 when one is bad' {
        $newest = @(Get-DatabaseBackup -Store $verifyStore -Newest 1)[0]
        Invoke-RunbookProcess -Runbook 'verification/Test-RecentBackups.ps1' -Arguments ($arguments + @('-Count', '2')) | Should -Be 0

        [System.IO.File]::WriteAllBytes((Get-ArtifactPath -Record $newest), [byte[]](1..100))
        Invoke-RunbookProcess -Runbook 'verification/Test-RecentBackups.ps1' -Arguments ($arguments + @('-Count', '2')) | Should -Be 1
    }
}
