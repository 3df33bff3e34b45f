#Requires -Version 7.4
<#
.SYNOPSIS
PostgresOperations: Get-PostgresActivity, Stop-PostgresQuery and Get-PostgresSlowQuery against a real server.

.DESCRIPTION
How an operator finds a long query and ends it, and what Get-PostgresSlowQuery says when pg_stat_statements
is missing. Blockers, protected processes, version differences (15 and 18), the runbooks and the upgrade are
covered by the xunit tests (PostgresOperationsTests).
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    . $PSScriptRoot/TestServer.ps1
    $server = @{ Server = $pg.PGHOST; Port = $serverPort; Credential = $credential }
}

AfterAll {
    Stop-TestServer
}

Describe 'A long query' {
    BeforeAll {
        # psql as a child process runs the query; the test finds it by its application name.
        $application = 'opsrunbooks-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $psql = Start-Process -FilePath psql -PassThru -RedirectStandardError (Join-Path $scratchRoot "$application.err") `
            -ArgumentList '--no-psqlrc', '--dbname', "application_name=$application dbname=$seedDatabase", '--command', 'SELECT pg_sleep(600)'
        $deadline = (Get-Date).AddSeconds(30)
        do {
            Start-Sleep -Milliseconds 300
            $session = Get-PostgresActivity @server -MinimumDuration 00:00:01 | Where-Object ApplicationName -eq $application
        } until ($session -or (Get-Date) -gt $deadline)
    }

    AfterAll {
        if (-not $psql.HasExited) { $psql.Kill() }
    }

    It 'is found by Get-PostgresActivity with how long it has run' {
        $session | Should -HaveCount 1
        $session.State | Should -Be 'active'
        $session.WaitEvent | Should -Be 'PgSleep'
        $session.QueryDuration | Should -BeGreaterOrEqual ([timespan]::FromSeconds(1))
        $session.Query | Should -Be 'SELECT pg_sleep(600)'
    }

    It 'is left running by Stop-PostgresQuery -WhatIf' {
        $session | Stop-PostgresQuery -Credential $credential -WhatIf | Should -BeNullOrEmpty
        Get-PostgresActivity @server | Where-Object Pid -eq $session.Pid | Should -HaveCount 1
    }

    It 'is ended by Stop-PostgresQuery' {
        $result = $session | Stop-PostgresQuery -Credential $credential -Confirm:$false
        $result.Outcome | Should -Be 'Stopped'
        $result.Succeeded | Should -BeTrue
        $psql.WaitForExit(10000) | Should -BeTrue
        Get-PostgresActivity @server | Where-Object Pid -eq $session.Pid | Should -BeNullOrEmpty
    }
}

Describe 'Get-PostgresSlowQuery without pg_stat_statements' {
    It 'fails with PgStatStatementsMissing, naming the fix' {
        { Get-PostgresSlowQuery @server -ErrorAction Stop } | Should -Throw -ErrorId 'PgStatStatementsMissing,*' -ExpectedMessage '*shared_preload_libraries*'
    }
}
