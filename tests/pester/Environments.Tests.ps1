#Requires -Version 7.4
<#
.SYNOPSIS
Environments: Get-OpsEnvironment reads runbooks/environments/<name>.psd1. How files are found, malformed
files, missing variables and unresolved passwords are covered by the xunit tests (EnvironmentTests).
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $savedKey = $env:OPSRUNBOOKS_PESTER_KEY
    $env:OPSRUNBOOKS_PESTER_KEY = '/etc/opsrunbooks/pester.pub.asc'
}

AfterAll {
    if ($null -eq $savedKey) { Remove-Item -LiteralPath env:OPSRUNBOOKS_PESTER_KEY } else { $env:OPSRUNBOOKS_PESTER_KEY = $savedKey }
    Remove-ScratchRoot
}

Describe 'Get-OpsEnvironment' {
    It 'reads an environment file like runbooks/environments/local.psd1' {
        $directory = New-EnvironmentDirectory -Name 'pesterlocal' -Content @'
@{
    Name            = 'pesterlocal'
    DatabaseServers = @{
        primary = @{
            Host     = 'db.pester.example'
            Port     = 6543
            User     = 'backup'
            Password = 'env:OPSRUNBOOKS_PESTER_PASSWORD'
        }
    }
    Databases       = @(
        @{ Name = 'app'; Server = 'primary' }
        @{ Name = 'billing' }
    )
    Store           = @{ Path = '../pester-store' }
    EncryptionKey   = 'env:OPSRUNBOOKS_PESTER_KEY'
    Thresholds      = @{
        BackupMaximumAge = '1.00:00:00'
    }
}
'@
        $environment = Get-OpsEnvironment -Name 'pesterlocal' -Path $directory -ErrorAction Stop

        $environment.Name | Should -Be 'pesterlocal'
        $environment.SourcePath | Should -Be (Join-Path $directory 'pesterlocal.psd1')
        $environment.DatabaseServers | Should -HaveCount 1
        $server = $environment.DatabaseServers[0]
        $server.Name | Should -Be 'primary'
        $server.Host | Should -Be 'db.pester.example'
        $server.Port | Should -Be 6543
        $server.User | Should -Be 'backup'
        # A database without Server uses the only server there is; relative paths are relative to the file.
        $environment.Databases.Name | Should -Be @('app', 'billing')
        $environment.Databases.Server | Should -Be @('primary', 'primary')
        $environment.Store.Path | Should -Be ([System.IO.Path]::GetFullPath((Join-Path $directory '../pester-store')))
        $environment.EncryptionKeyPath | Should -Be '/etc/opsrunbooks/pester.pub.asc'
        $environment.Thresholds['BackupMaximumAge'] | Should -Be '1.00:00:00'
    }

    It 'never runs what an environment file holds' {
        $marker = Join-Path $scratchRoot 'environment-code-ran.txt'
        $content = '@{ Name = ([System.IO.File]::WriteAllText(' + (ConvertTo-QuotedLiteral $marker) + ', ''ran'')) }'
        $directory = New-EnvironmentDirectory -Name 'pestersideeffect' -Content $content
        Get-OpsEnvironment -Name 'pestersideeffect' -Path $directory -ErrorAction SilentlyContinue -ErrorVariable failures | Out-Null
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentFileInvalid*'
        Test-Path -LiteralPath $marker | Should -BeFalse
    }
}
