#Requires -Version 7.4
<#
.SYNOPSIS
Backup: Invoke-DatabaseBackup and Get-DatabaseBackup against a real PostgreSQL server and the real gpg.

.DESCRIPTION
What a backup returns and writes, and how backups are listed. Failures (wrong password, closed port,
missing pg_dump or key), -WhatIf, Ctrl+C, decryption with gpg, retention, freshness and restores are
covered by the xunit tests against local and S3 stores (BackupTests, RetentionAndFreshnessTests,
RestoreTests, StoreScenarioTests).
#>

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    . $PSScriptRoot/TestServer.ps1
}

AfterAll {
    Stop-TestServer
}

Describe 'Invoke-DatabaseBackup' {
    BeforeAll {
        $storePath = New-ScratchDirectory -Name 'store-backup'
        $store = New-BackupStore -Path $storePath
        $record = Invoke-TestBackup -Store $store
        $artifactPath = Get-ArtifactPath $record
    }

    It 'returns one BackupRecord for the database' {
        @($record) | Should -HaveCount 1
        $record.GetType().FullName | Should -Be 'OpsRunbooks.Backup.BackupRecord'
        $record.Database | Should -Be $seedDatabase
        $record.Server | Should -Be $pg.PGHOST
        $record.Port | Should -Be $serverPort
        $record.Encryption | Should -Be 'OpenPGP'
        $record.EncryptionKeyFingerprint | Should -Be $fingerprint
        $record.FinishedUtc | Should -BeGreaterOrEqual $record.StartedUtc
    }

    It 'writes the artifact and its manifest into the database''s folder of the store' {
        $artifactPath | Should -Exist
        $artifactPath | Should -BeLike '*.dump.pgp'
        [System.IO.Path]::Combine($storePath, $record.ManifestName) | Should -Exist
        Split-Path -Leaf (Split-Path -Parent $artifactPath) | Should -Be $seedDatabase
        (Get-Item -LiteralPath $artifactPath).Length | Should -Be $record.StoredBytes
        @(Get-ChildItem -LiteralPath $storePath -Recurse -File -Filter '*.partial') | Should -HaveCount 0
    }

    It 'records the SHA-256 of the stored artifact' {
        $record.Sha256 | Should -BeExactly (Get-FileHash -LiteralPath $artifactPath -Algorithm SHA256).Hash.ToLower()
    }

    It 'counts the rows of every table in the dumped data' {
        $record.TableRowCounts['public.orders'] | Should -Be 120000
        $record.TableRowCounts['public.customers'] | Should -Be 2000
        $record.TableRowCounts['public.documents'] | Should -Be 500
        $record.TableRowCounts['audit.events'] | Should -Be 5000
    }

    It 'reports a database that does not exist as DatabaseNotFound' {
        $result = Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database 'pester_no_such_database' -Credential $credential `
            -Store $store -EncryptionKey $publicKeyPath -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DatabaseNotFound*'
        @(Get-DatabaseBackup -Store $store -ErrorAction Stop) | Should -HaveCount 1
    }
}

Describe 'Get-DatabaseBackup' {
    BeforeAll {
        $smallDatabase = 'pester_small'
        Invoke-Psql -Database 'postgres' -Sql "CREATE DATABASE $smallDatabase" | Out-Null
        Invoke-Psql -Database $smallDatabase -Sql 'CREATE TABLE public.notes (id integer PRIMARY KEY, body text); INSERT INTO public.notes SELECT g, ''note '' || g FROM generate_series(1, 10) g' | Out-Null

        $catalogStore = New-BackupStore -Path (New-ScratchDirectory -Name 'store-catalog')
        $oldestSeed = Invoke-TestBackup -Store $catalogStore
        $small = Invoke-TestBackup -Store $catalogStore -Database $smallDatabase
        $newestSeed = Invoke-TestBackup -Store $catalogStore
    }

    It 'reads back what a backup wrote, from its manifest' {
        $listed = @(Get-DatabaseBackup -Store $catalogStore -Database $smallDatabase -ErrorAction Stop)
        $listed.Id | Should -Be @($small.Id)
        $listed[0].Sha256 | Should -Be $small.Sha256
        $listed[0].TableRowCounts['public.notes'] | Should -Be 10
        $listed[0].Store.Location | Should -Be $catalogStore.Location
    }

    It 'lists only the backups of the database -Database names, newest first' {
        $listed = @(Get-DatabaseBackup -Store $catalogStore -Database $seedDatabase -ErrorAction Stop)
        $listed.Id | Should -Be @($newestSeed.Id, $oldestSeed.Id)
        $listed.Database | Sort-Object -Unique | Should -Be $seedDatabase
    }
}
