#Requires -Version 7.4
<#
.SYNOPSIS
Runbooks: what every script under runbooks/ promises, and the backup runbooks run as a scheduled task runs
them, with pwsh -File and the module found through PSModulePath.

.DESCRIPTION
The same runbooks under opsrunbook, and their output in a session, are covered by the xunit tests
(RunnerTests, RunbookHostsTests, RetentionAndFreshnessTests, EnvironmentTests).
#>

BeforeDiscovery {
    $runbooksRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'runbooks'))
    # _*.ps1 are pieces that runbooks dot-source, not runbooks.
    $runbooks = @(Get-ChildItem -LiteralPath $runbooksRoot -Recurse -Filter '*.ps1' | Where-Object Name -NotLike '_*' |
            ForEach-Object { @{ Name = [System.IO.Path]::GetRelativePath($runbooksRoot, $_.FullName); Path = $_.FullName } })
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    . $PSScriptRoot/TestServer.ps1
}

AfterAll {
    Stop-TestServer
}

Describe 'Runbook <Name>' -ForEach $runbooks {
    BeforeAll {
        $script = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$null, [ref]$null)
        $help = $script.GetHelpContent()
    }

    It 'declares that it needs the OpsRunbooks module' {
        $script.ScriptRequirements.RequiredModules.Name | Should -Contain 'OpsRunbooks'
    }

    It 'has a synopsis and an example' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Examples | Should -Not -BeNullOrEmpty
    }

    It 'takes the environment by name and finds its file beside the runbooks by default' {
        $parameters = $script.ParamBlock.Parameters
        $parameters.Name.VariablePath.UserPath | Should -Contain 'Environment'
        ($parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'EnvironmentPath' }).DefaultValue.Extent.Text |
            Should -Match 'environments'
    }
}

Describe 'runbooks/backup and the morning check under pwsh -File' {
    BeforeAll {
        Invoke-Psql -Database 'postgres' -Sql 'CREATE DATABASE pester_runbook' | Out-Null
        Invoke-Psql -Database 'pester_runbook' -Sql 'CREATE TABLE public.jobs (id integer PRIMARY KEY); INSERT INTO public.jobs SELECT generate_series(1, 25)' | Out-Null
        $content = New-TestEnvironmentContent -Name 'pesternightly' -Databases $seedDatabase, 'pester_runbook', 'pester_never_backed_up'
        $environmentPath = New-EnvironmentDirectory -Name 'pesternightly' -Content $content
        $arguments = @('-Environment', 'pesternightly', '-EnvironmentPath', $environmentPath)
        $store = New-BackupStore -Path (Join-Path $environmentPath 'store')
    }

    It 'Invoke-NightlyBackup.ps1 backs up every database it can and exits 1 for the one it cannot' {
        Invoke-RunbookProcess -Runbook 'backup/Invoke-NightlyBackup.ps1' -Arguments $arguments | Should -Be 1
        # The store path is relative to the environment file.
        $listed = @(Get-DatabaseBackup -Store $store -ErrorAction Stop)
        @($listed.Database | Sort-Object) | Should -Be @(@($seedDatabase, 'pester_runbook') | Sort-Object)
        ($listed | Where-Object Database -eq 'pester_runbook').TableRowCounts['public.jobs'] | Should -Be 25
    }

    It 'Test-MorningBackupStatus.ps1 exits 1 while a database has no backup' {
        Invoke-RunbookProcess -Runbook 'verification/Test-MorningBackupStatus.ps1' -Arguments $arguments | Should -Be 1
    }

    It 'Invoke-BackupRetention.ps1 -WhatIf exits 0 and removes nothing' {
        Invoke-RunbookProcess -Runbook 'backup/Invoke-BackupRetention.ps1' -Arguments ($arguments + '-WhatIf') | Should -Be 0
        @(Get-DatabaseBackup -Store $store -ErrorAction Stop) | Should -HaveCount 2
    }
}
