#Requires -Version 7.4
<#
.SYNOPSIS
Storage: New-BackupStore, where backups are kept. Backups into stores and listings of them are in
Backup.Tests.ps1; the S3 store's behaviour against a server is covered by the xunit tests.
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
}

AfterAll {
    Remove-ScratchRoot
}

Describe 'New-BackupStore' {
    It 'returns a local store for a directory' {
        $path = Join-Path $scratchRoot 'new-backup-store'
        $store = New-BackupStore -Path $path
        $store.Location | Should -Be ('local:' + [System.IO.Path]::GetFullPath($path))
    }

    It 'changes nothing on disk' {
        $path = Join-Path $scratchRoot 'new-backup-store-untouched'
        New-BackupStore -Path $path | Out-Null
        Test-Path -LiteralPath $path | Should -BeFalse
    }

    It 'returns an S3 store for a bucket, prefix and endpoint without contacting the server' {
        $store = New-BackupStore -S3Bucket pester -Prefix nightly -Endpoint 'http://127.0.0.1:9' -Region eu-west-1
        $store.Location | Should -Be 's3://pester/nightly/ at http://127.0.0.1:9'
    }

    It 'refuses a part size below the S3 minimum' {
        { New-BackupStore -S3Bucket pester -Endpoint 'http://127.0.0.1:9' -PartSize 1MB } | Should -Throw
    }
}
