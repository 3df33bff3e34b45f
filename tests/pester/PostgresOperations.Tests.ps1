#Requires -Version 7.4
<#
.SYNOPSIS
PostgresOperations: what Get-PostgresSlowQuery says when pg_stat_statements is missing, against a real server.

.DESCRIPTION
Long queries found and ended, blockers, protected processes, version differences (15 and 18), the runbooks
and the upgrade are covered by the xunit tests (PostgresOperationsTests).
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    . $PSScriptRoot/TestServer.ps1
    $server = @{ Server = $pg.PGHOST; Port = $serverPort; Credential = $credential }
}

AfterAll {
    Stop-TestServer
}

Describe 'Get-PostgresSlowQuery without pg_stat_statements' {
    It 'fails with PgStatStatementsMissing, naming the fix' {
        { Get-PostgresSlowQuery @server -ErrorAction Stop } | Should -Throw -ErrorId 'PgStatStatementsMissing,*' -ExpectedMessage '*shared_preload_libraries*'
    }
}
