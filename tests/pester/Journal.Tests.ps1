#Requires -Version 7.4
<#
.SYNOPSIS
Journal: the operations log and notifications as a user meets them in pwsh.

.DESCRIPTION
The sinks, the table, every state-changing cmdlet's entry, retries and secrets are covered by the xunit
tests (JournalTests, Core.Tests.Journal); here: a backup leaves one entry that Get-OperationLog shows,
-WhatIf leaves none, and a channel that is down is a warning, not an error.
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    . $PSScriptRoot/TestServer.ps1
    $downPort = & {
        $socket = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $socket.Start(); $socket.LocalEndpoint.Port; $socket.Stop()
    }
    $content = (New-TestEnvironmentContent -Name 'pesterjournal' -Databases $seedDatabase) -replace '\}\s*$', @"
    Journal = @{
        Path          = 'journal.jsonl'
        Notifications = @{ hook = @{ Type = 'Webhook'; Url = 'http://127.0.0.1:$downPort/hook'; Attempts = 2; RetryDelay = '00:00:00.05' } }
    }
}
"@
    $journalEnvironment = Get-OpsEnvironment -Name 'pesterjournal' -Path (New-EnvironmentDirectory -Name 'pesterjournal' -Content $content)
}

AfterAll {
    Stop-TestServer
}

Describe 'The operations log' {
    It 'records nothing under -WhatIf and one entry per backup, newest first' {
        Invoke-DatabaseBackup -Environment $journalEnvironment -WhatIf
        Get-OperationLog -Environment $journalEnvironment -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $backup = Invoke-DatabaseBackup -Environment $journalEnvironment
        $entry = Get-OperationLog -Environment $journalEnvironment -First 1
        $entry.Operation | Should -Be 'DatabaseBackup'
        $entry.Outcome | Should -Be 'Succeeded'
        $entry.Figures.BackupId | Should -Be $backup.Id
        @(Get-OperationLog -Environment $journalEnvironment -Outcome Failed).Count | Should -Be 0
    }

    It 'warns when a notification channel is down and writes no error' {
        $delivery = Send-OpsNotification -Environment $journalEnvironment -Message 'pester' -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures
        $delivery.Delivered | Should -BeFalse
        $delivery.Attempts | Should -Be 2
        $warnings | Should -Not -BeNullOrEmpty
        $failures | Should -BeNullOrEmpty
    }
}
