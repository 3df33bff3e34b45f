#Requires -Version 7.4
<#
.SYNOPSIS
Pester 5 tests of the built OpsRunbooks module against a real PostgreSQL server and the real gpg.

.DESCRIPTION
Imports out/OpsRunbooks (build it first: ./build.ps1), starts a throwaway PostgreSQL cluster on
127.0.0.1 with tests/services/postgres.sh (packages from tests/services/install.sh), makes an OpenPGP
key pair with gpg in a temporary home directory, and checks what the module writes with gpg,
pg_restore, createdb and psql. Run them with ./build.ps1 -Task Test, or:

    Invoke-Pester -Path tests/pester -Output Detailed
#>

BeforeDiscovery {
    # The cmdlet list drives one help test per cmdlet; discovery reads it from the source manifest, which
    # the build copies unchanged into out/OpsRunbooks.
    $sourceManifest = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'module', 'OpsRunbooks.psd1')
    $manifestCmdlets = @((Import-PowerShellDataFile -LiteralPath $sourceManifest).CmdletsToExport |
            ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    $repositoryRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    $moduleManifest = Join-Path $repositoryRoot 'out/OpsRunbooks/OpsRunbooks.psd1'
    if (-not (Test-Path -LiteralPath $moduleManifest)) {
        throw "The module is not built: $moduleManifest is missing. Run ./build.ps1 first."
    }
    Import-Module $moduleManifest -Force -ErrorAction Stop

    $postgresScript = Join-Path $repositoryRoot 'tests/services/postgres.sh'
    $nightlyBackupRunbook = Join-Path $repositoryRoot 'runbooks/backup/Invoke-NightlyBackup.ps1'

    # A directory of its own for each test that needs files; all of them go in AfterAll.
    $scratchRoot = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-').FullName
    function New-ScratchDirectory {
        param([Parameter(Mandatory)][string] $Name)
        $path = Join-Path $scratchRoot ($Name + '-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $path | Out-Null
        return $path
    }

    # Writes an environment file <Name>.psd1 into a new directory and returns the directory.
    function New-EnvironmentDirectory {
        param(
            [Parameter(Mandatory)][string] $Name,
            [Parameter(Mandatory)][string] $Content
        )
        $directory = New-ScratchDirectory -Name "environments-$Name"
        Set-Content -LiteralPath (Join-Path $directory "$Name.psd1") -Value $Content -Encoding utf8NoBOM
        return $directory
    }

    # A string as a single-quoted PowerShell literal, for writing into environment files.
    function ConvertTo-QuotedLiteral {
        param([Parameter(Mandatory)][AllowEmptyString()][string] $Value)
        return "'" + $Value.Replace("'", "''") + "'"
    }
}

AfterAll {
    Remove-Module OpsRunbooks -Force -ErrorAction SilentlyContinue
    if ($scratchRoot -and (Test-Path -LiteralPath $scratchRoot)) {
        Remove-Item -LiteralPath $scratchRoot -Recurse -Force
    }
}

Describe 'The OpsRunbooks module' {
    BeforeAll {
        $manifestData = Import-PowerShellDataFile -LiteralPath $moduleManifest
        $module = Get-Module OpsRunbooks
    }

    It 'exports exactly the cmdlets its manifest lists' {
        $exported = @($module.ExportedCmdlets.Keys | Sort-Object)
        $expected = @($manifestData.CmdletsToExport | Sort-Object)
        $exported -join ', ' | Should -BeExactly ($expected -join ', ')
        @(Get-Command -Module OpsRunbooks -CommandType Cmdlet).Count | Should -Be $expected.Count
        @(Get-Command -Module OpsRunbooks -CommandType Function, Alias).Count | Should -Be 0
    }

    It 'has a manifest that Test-ModuleManifest accepts' {
        $tested = Test-ModuleManifest -Path $moduleManifest -ErrorAction Stop
        $tested.Name | Should -Be 'OpsRunbooks'
        $tested.Version | Should -Be ([version]$manifestData.ModuleVersion)
    }

    Context 'Help for <Name>' -ForEach $manifestCmdlets {
        BeforeAll {
            $help = Get-Help -Name $Name -Full
            $command = Get-Command -Name $Name -Module OpsRunbooks
        }

        It 'has a synopsis written for it' {
            $help.Synopsis | Should -Not -BeNullOrEmpty
            # Without a help file, Get-Help makes the synopsis from the syntax, which starts with the name.
            $help.Synopsis | Should -Not -BeLike "$Name *"
        }

        It 'has a description' {
            ($help.description | ForEach-Object Text) -join "`n" | Should -Not -BeNullOrEmpty
        }

        It 'has examples with code and remarks' {
            $examples = @($help.examples.example)
            $examples.Count | Should -BeGreaterThan 0
            foreach ($example in $examples) {
                $example.code | Should -Not -BeNullOrEmpty
                ($example.remarks | ForEach-Object Text) -join "`n" | Should -Not -BeNullOrEmpty
            }
        }

        It 'describes every parameter' {
            $common = [System.Management.Automation.Cmdlet]::CommonParameters
            $undocumented = foreach ($parameterName in $command.Parameters.Keys) {
                if ($parameterName -in $common) { continue }
                $entry = @($help.parameters.parameter) | Where-Object { $_.name -eq $parameterName }
                $text = ($entry.description | ForEach-Object Text) -join "`n"
                if ([string]::IsNullOrWhiteSpace($text)) { $parameterName }
            }
            $undocumented | Should -BeNullOrEmpty -Because 'every parameter needs a description in module/help'
        }
    }
}

Describe 'New-BackupStore' {
    It 'returns a local store for a directory' {
        $path = Join-Path $scratchRoot 'new-backup-store'
        $store = New-BackupStore -Path $path
        $store.Location | Should -BeLike 'local:*'
        $store.Location | Should -Be ('local:' + [System.IO.Path]::GetFullPath($path))
    }

    It 'changes nothing on disk' {
        $path = Join-Path $scratchRoot 'new-backup-store-untouched'
        New-BackupStore -Path $path | Out-Null
        Test-Path -LiteralPath $path | Should -BeFalse
    }
}

Describe 'Get-OpsEnvironment' {
    BeforeAll {
        $savedVariables = @{}
        foreach ($variable in 'OPSRUNBOOKS_PESTER_HOST', 'OPSRUNBOOKS_PESTER_PASSWORD', 'OPSRUNBOOKS_PESTER_KEY') {
            $savedVariables[$variable] = [System.Environment]::GetEnvironmentVariable($variable)
        }
        $env:OPSRUNBOOKS_PESTER_HOST = 'db.pester.example'
        $env:OPSRUNBOOKS_PESTER_PASSWORD = 'not-shown-anywhere'
        $env:OPSRUNBOOKS_PESTER_KEY = '/etc/opsrunbooks/pester.pub.asc'
    }

    AfterAll {
        foreach ($variable in $savedVariables.Keys) {
            [System.Environment]::SetEnvironmentVariable($variable, $savedVariables[$variable])
        }
    }

    It 'reads an environment file like runbooks/environments/local.psd1' {
        $directory = New-EnvironmentDirectory -Name 'pesterlocal' -Content @'
@{
    Name            = 'pesterlocal'
    DatabaseServers = @{
        primary = @{
            Host     = 'env:OPSRUNBOOKS_PESTER_HOST'
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
        # The password stays a reference until a cmdlet connects.
        $server.Password.ToString() | Should -Be 'env:OPSRUNBOOKS_PESTER_PASSWORD'
        ($environment | Format-List * | Out-String) | Should -Not -Match 'not-shown-anywhere'

        $environment.Databases.Name | Should -Be @('app', 'billing')
        $environment.Databases.Server | Should -Be @('primary', 'primary')
        $environment.Store.Path | Should -Be ([System.IO.Path]::GetFullPath((Join-Path $directory '../pester-store')))
        $environment.EncryptionKeyPath | Should -Be '/etc/opsrunbooks/pester.pub.asc'
        $environment.Thresholds['BackupMaximumAge'] | Should -Be '1.00:00:00'
    }

    It 'finds files in $env:OPSRUNBOOKS_ENVIRONMENT_PATH when no -Path is given' {
        $directory = New-EnvironmentDirectory -Name 'pesterdefault' -Content "@{ Name = 'pesterdefault' }"
        $saved = $env:OPSRUNBOOKS_ENVIRONMENT_PATH
        try {
            $env:OPSRUNBOOKS_ENVIRONMENT_PATH = $directory
            (Get-OpsEnvironment -Name 'pesterdefault' -ErrorAction Stop).Name | Should -Be 'pesterdefault'
        }
        finally {
            $env:OPSRUNBOOKS_ENVIRONMENT_PATH = $saved
        }
    }

    It 'reports a missing environment as EnvironmentNotFound' {
        $directory = New-ScratchDirectory -Name 'environments-empty'
        $result = Get-OpsEnvironment -Name 'nosuchenvironment' -Path $directory -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentNotFound*'
    }

    It 'refuses a file that holds code, without running it' {
        $directory = New-EnvironmentDirectory -Name 'pestercode' -Content '@{ Name = (Get-Date) }'
        $result = Get-OpsEnvironment -Name 'pestercode' -Path $directory -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentFileInvalid*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'never runs what an environment file holds' {
        $marker = Join-Path $scratchRoot 'environment-code-ran.txt'
        $content = '@{ Name = ([System.IO.File]::WriteAllText(' + (ConvertTo-QuotedLiteral $marker) + ', ''ran'')) }'
        $directory = New-EnvironmentDirectory -Name 'pestersideeffect' -Content $content
        Get-OpsEnvironment -Name 'pestersideeffect' -Path $directory -ErrorAction SilentlyContinue -ErrorVariable failures | Out-Null
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentFileInvalid*'
        Test-Path -LiteralPath $marker | Should -BeFalse
    }

    It 'refuses a password written into the file instead of an env: reference' {
        $directory = New-EnvironmentDirectory -Name 'pesterplainpassword' -Content @'
@{
    Name            = 'pesterplainpassword'
    DatabaseServers = @{
        primary = @{ Host = 'db1'; Port = 5432; User = 'backup'; Password = 'hunter2-plain' }
    }
    Databases       = @( @{ Name = 'app'; Server = 'primary' } )
}
'@
        $result = Get-OpsEnvironment -Name 'pesterplainpassword' -Path $directory -ErrorAction SilentlyContinue -ErrorVariable failures
        $result | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'EnvironmentFileInvalid*'
        $failures[0].ToString() | Should -Match 'Password'
        $failures[0].ToString() | Should -Not -Match 'hunter2-plain'
    }
}

Describe 'Backups of a real PostgreSQL server' {
    BeforeAll {
        # --- PostgreSQL: a throwaway cluster with the seeded database opsrunbooks_seed ---
        # The script needs an empty directory whose parents its server user can traverse: one of its own under the temp dir.
        $postgresDirectory = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-pg-').FullName
        $startOutput = & bash $postgresScript start $postgresDirectory
        if ($LASTEXITCODE -ne 0) {
            throw "tests/services/postgres.sh start failed with exit code $LASTEXITCODE (run tests/services/install.sh first)."
        }
        $pg = @{}
        foreach ($line in $startOutput) {
            $key, $value = "$line".Split('=', 2)
            if ($null -ne $value) { $pg[$key.Trim()] = $value.Trim() }
        }
        foreach ($required in 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE') {
            if (-not $pg.ContainsKey($required)) { throw "postgres.sh start printed no $required." }
        }
        $serverPort = [int]$pg.PGPORT
        $seedDatabase = $pg.PGDATABASE
        $credential = [pscredential]::new($pg.PGUSER, (ConvertTo-SecureString -String $pg.PGPASSWORD -AsPlainText -Force))

        # psql, createdb and pg_restore find the server through the libpq variables; they are put back in AfterAll.
        $savedVariables = @{}
        foreach ($variable in 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'OPSRUNBOOKS_PESTER_PGPASSWORD') {
            $savedVariables[$variable] = [System.Environment]::GetEnvironmentVariable($variable)
        }
        $env:PGHOST = $pg.PGHOST
        $env:PGPORT = $pg.PGPORT
        $env:PGUSER = $pg.PGUSER
        $env:PGPASSWORD = $pg.PGPASSWORD
        $env:PGDATABASE = 'postgres'
        $env:OPSRUNBOOKS_PESTER_PGPASSWORD = $pg.PGPASSWORD

        function Invoke-Psql {
            param(
                [Parameter(Mandatory)][string] $Database,
                [Parameter(Mandatory)][string] $Sql
            )
            $output = & psql --no-psqlrc --set=ON_ERROR_STOP=1 --tuples-only --no-align --dbname $Database --command $Sql
            if ($LASTEXITCODE -ne 0) { throw "psql failed with exit code $LASTEXITCODE on: $Sql" }
            return ($output -join "`n").Trim()
        }

        # --- OpenPGP: a key pair made by gpg, an rsa3072 signing key with an rsa3072 encryption subkey ---
        $gnupgHome = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-gpg-').FullName
        # Runs gpg on the test key ring. The arguments come as one array: gpg's --options are not PowerShell parameters.
        function Invoke-Gpg {
            param([string[]] $Arguments)
            $output = & gpg --homedir $gnupgHome --batch --yes --pinentry-mode loopback @Arguments
            if ($LASTEXITCODE -ne 0) { throw "gpg $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
            return $output
        }
        # Makes a key pair in the test key ring, exports its secret half to <Name>.sec.asc, and returns its fingerprint.
        function New-TestKeyPair {
            param([Parameter(Mandatory)][string] $UserId, [Parameter(Mandatory)][string] $Name)
            Invoke-Gpg @('--passphrase', '', '--quick-generate-key', $UserId, 'rsa3072', 'sign', 'never') | Out-Null
            $keyFingerprint = (Invoke-Gpg @('--with-colons', '--list-keys', $UserId) |
                    Where-Object { $_ -like 'fpr:*' } |
                    Select-Object -First 1).Split(':')[9]
            Invoke-Gpg @('--passphrase', '', '--quick-add-key', $keyFingerprint, 'rsa3072', 'encr', 'never') | Out-Null
            Invoke-Gpg @('--passphrase', '', '--armor', '--output', (Join-Path $gnupgHome "$Name.sec.asc"), '--export-secret-keys', $keyFingerprint) | Out-Null
            return $keyFingerprint
        }
        $fingerprint = New-TestKeyPair -UserId 'OpsRunbooks Pester <pester@opsrunbooks.test>' -Name 'backup'
        $publicKeyPath = Join-Path $gnupgHome 'backup.pub.asc'
        Invoke-Gpg @('--armor', '--output', $publicKeyPath, '--export', $fingerprint) | Out-Null
        $secretKeyPath = Join-Path $gnupgHome 'backup.sec.asc'
        # A second key pair, which the backups are not encrypted to.
        $null = New-TestKeyPair -UserId 'OpsRunbooks Pester Other <pester-other@opsrunbooks.test>' -Name 'other'
        $otherSecretKeyPath = Join-Path $gnupgHome 'other.sec.asc'

        # Backs up one database of the test server into a store; errors stop the test.
        function Invoke-TestBackup {
            param(
                [Parameter(Mandatory)] $Store,
                [string] $Database = $seedDatabase
            )
            Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database $Database -Credential $credential `
                -Store $Store -EncryptionKey $publicKeyPath -ErrorAction Stop
        }

        function Get-ArtifactPath {
            param([Parameter(Mandatory)] $Record)
            return [System.IO.Path]::Combine($Record.Store.RootPath, $Record.ArtifactName)
        }

        # Moves a backup in time, or changes its size, by rewriting its manifest in the store.
        function Set-TestManifest {
            param(
                [Parameter(Mandatory)] $Record,
                [datetime] $StartedUtc,
                [long] $StoredBytes = -1
            )
            $path = [System.IO.Path]::Combine($Record.Store.RootPath, $Record.ManifestName)
            $json = Get-Content -LiteralPath $path -Raw
            if ($PSBoundParameters.ContainsKey('StartedUtc')) {
                $started = [datetime]::SpecifyKind($StartedUtc, 'Utc')
                $json = $json -replace '"startedUtc":\s*"[^"]*"', ('"startedUtc": "' + $started.ToString('o') + '"')
                $json = $json -replace '"finishedUtc":\s*"[^"]*"', ('"finishedUtc": "' + $started.AddMinutes(2).ToString('o') + '"')
            }
            if ($StoredBytes -ge 0) {
                $json = $json -replace '"storedBytes":\s*\d+', ('"storedBytes": ' + $StoredBytes)
            }
            Set-Content -LiteralPath $path -Value $json -Encoding utf8NoBOM
        }

        # The text of an environment file for the test server: its databases, a store beside the file, thresholds.
        function New-TestEnvironmentContent {
            param(
                [Parameter(Mandatory)][string] $Name,
                [Parameter(Mandatory)][string[]] $Databases,
                [System.Collections.IDictionary] $Thresholds = @{ BackupMaximumAge = '1.00:00:00' }
            )
            $databaseLines = foreach ($database in $Databases) { "        @{ Name = $(ConvertTo-QuotedLiteral $database); Server = 'primary' }" }
            $thresholdLines = foreach ($key in $Thresholds.Keys) {
                $value = $Thresholds[$key]
                $literal = if ($value -is [string]) { ConvertTo-QuotedLiteral $value } else { "$value" }
                "        $key = $literal"
            }
            return @"
@{
    Name            = $(ConvertTo-QuotedLiteral $Name)
    DatabaseServers = @{
        primary = @{
            Host     = $(ConvertTo-QuotedLiteral $pg.PGHOST)
            Port     = $serverPort
            User     = $(ConvertTo-QuotedLiteral $pg.PGUSER)
            Password = 'env:OPSRUNBOOKS_PESTER_PGPASSWORD'
        }
    }
    Databases       = @(
$($databaseLines -join "`n")
    )
    Store           = @{ Path = 'store' }
    EncryptionKey   = $(ConvertTo-QuotedLiteral $publicKeyPath)
    Thresholds      = @{
$($thresholdLines -join "`n")
    }
}
"@
        }

        # A TCP port on loopback where nothing listens.
        function Get-ClosedPort {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            try { return $listener.LocalEndpoint.Port }
            finally { $listener.Stop() }
        }
    }

    AfterAll {
        if ($postgresDirectory) {
            & bash $postgresScript stop $postgresDirectory
            Remove-Item -LiteralPath $postgresDirectory -Recurse -Force -ErrorAction SilentlyContinue
        }
        if ($gnupgHome) {
            & gpgconf --homedir $gnupgHome --kill all 2>$null
            Remove-Item -LiteralPath $gnupgHome -Recurse -Force -ErrorAction SilentlyContinue
        }
        if ($savedVariables) {
            foreach ($variable in $savedVariables.Keys) {
                [System.Environment]::SetEnvironmentVariable($variable, $savedVariables[$variable])
            }
        }
    }

    Context 'Invoke-DatabaseBackup' {
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

        It 'writes a manifest that Get-DatabaseBackup reads back' {
            $listed = @(Get-DatabaseBackup -Store $store -ErrorAction Stop)
            $listed | Should -HaveCount 1
            $listed[0].Id | Should -Be $record.Id
            $listed[0].Sha256 | Should -Be $record.Sha256
            $listed[0].TableRowCounts['public.orders'] | Should -Be 120000
        }

        It 'stores an OpenPGP message that gpg decrypts into a pg_dump archive' {
            # pg_restore --list stops reading after the table of contents, so gpg may end on a broken pipe:
            # the pipeline runs in bash, and its exit code is pg_restore's, which fails on anything but an archive.
            $pipeline = 'gpg --homedir "$1" --batch --pinentry-mode loopback --quiet --decrypt "$2" 2>/dev/null | pg_restore --list'
            $listing = & bash -c $pipeline opsrunbooks-pester $gnupgHome $artifactPath
            $LASTEXITCODE | Should -Be 0
            $listing = $listing -join "`n"
            $listing | Should -Match 'TABLE DATA public orders'
            $listing | Should -Match 'TABLE DATA audit events'
        }

        It 'restores into a new database with the row counts of the manifest' {
            $restoredDatabase = 'pester_restored'
            & createdb $restoredDatabase
            $LASTEXITCODE | Should -Be 0
            $dumpPath = Join-Path (New-ScratchDirectory -Name 'restore') 'restore.dump'
            Invoke-Gpg @('--output', $dumpPath, '--decrypt', $artifactPath) | Out-Null
            & pg_restore --no-owner --exit-on-error --dbname $restoredDatabase $dumpPath
            $LASTEXITCODE | Should -Be 0

            $record.TableRowCounts.Count | Should -BeGreaterThan 0
            foreach ($table in $record.TableRowCounts.Keys) {
                $schema, $name = $table.Split('.', 2)
                $quoted = '"' + $schema.Replace('"', '""') + '"."' + $name.Replace('"', '""') + '"'
                [long](Invoke-Psql -Database $restoredDatabase -Sql "SELECT count(*) FROM $quoted") |
                    Should -Be $record.TableRowCounts[$table] -Because "$table has that many rows in the manifest"
            }
        }

        It 'writes nothing to the store with -WhatIf' {
            $whatIfPath = Join-Path $scratchRoot 'store-whatif'
            $output = Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database $seedDatabase -Credential $credential `
                -Store (New-BackupStore -Path $whatIfPath) -EncryptionKey $publicKeyPath -WhatIf
            $output | Should -BeNullOrEmpty
            Test-Path -LiteralPath $whatIfPath | Should -BeFalse
        }
    }

    Context 'Invoke-DatabaseBackup failures' {
        BeforeAll {
            $failureStorePath = New-ScratchDirectory -Name 'store-failures'
            $failureStore = New-BackupStore -Path $failureStorePath
        }

        AfterEach {
            # Whatever failed, nothing may be left in the store: no artifact, no manifest, no partial file.
            @(Get-ChildItem -LiteralPath $failureStorePath -Recurse -File) | Should -HaveCount 0
        }

        It 'reports a wrong password as AuthenticationFailed, without the password' {
            $wrongPassword = 'wrong-password-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $wrong = [pscredential]::new($pg.PGUSER, (ConvertTo-SecureString -String $wrongPassword -AsPlainText -Force))
            $result = Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database $seedDatabase -Credential $wrong `
                -Store $failureStore -EncryptionKey $publicKeyPath -ErrorAction SilentlyContinue -ErrorVariable failures
            $result | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed*'
            $failures[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $failures[0].ToString() | Should -Not -Match ([regex]::Escape($wrongPassword))
        }

        It 'reports a port where nothing listens as ConnectionFailed' {
            $result = Invoke-DatabaseBackup -Server '127.0.0.1' -Port (Get-ClosedPort) -Database $seedDatabase -Credential $credential `
                -Store $failureStore -EncryptionKey $publicKeyPath -ErrorAction SilentlyContinue -ErrorVariable failures
            $result | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed*'
        }

        It 'reports a -PgDumpPath that does not exist as PgDumpNotFound' {
            $missing = Join-Path $scratchRoot 'no-such-directory/pg_dump'
            $result = Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database $seedDatabase -Credential $credential `
                -Store $failureStore -EncryptionKey $publicKeyPath -PgDumpPath $missing -ErrorAction SilentlyContinue -ErrorVariable failures
            $result | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'PgDumpNotFound*'
        }

        It 'reports a database that does not exist as DatabaseNotFound' {
            $result = Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database 'pester_no_such_database' -Credential $credential `
                -Store $failureStore -EncryptionKey $publicKeyPath -ErrorAction SilentlyContinue -ErrorVariable failures
            $result | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'DatabaseNotFound*'
        }

        It 'reports a key file that does not exist as EncryptionKeyNotFound' {
            $result = Invoke-DatabaseBackup -Server $pg.PGHOST -Port $serverPort -Database $seedDatabase -Credential $credential `
                -Store $failureStore -EncryptionKey (Join-Path $scratchRoot 'no-such-key.asc') -ErrorAction SilentlyContinue -ErrorVariable failures
            $result | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'EncryptionKeyNotFound*'
        }
    }

    Context 'Get-DatabaseBackup' {
        BeforeAll {
            $smallDatabase = 'pester_small'
            Invoke-Psql -Database 'postgres' -Sql "CREATE DATABASE $smallDatabase" | Out-Null
            Invoke-Psql -Database $smallDatabase -Sql 'CREATE TABLE public.notes (id integer PRIMARY KEY, body text); INSERT INTO public.notes SELECT g, ''note '' || g FROM generate_series(1, 10) g' | Out-Null

            $catalogStorePath = New-ScratchDirectory -Name 'store-catalog'
            $catalogStore = New-BackupStore -Path $catalogStorePath
            $oldestSeed = Invoke-TestBackup -Store $catalogStore
            $small = Invoke-TestBackup -Store $catalogStore -Database $smallDatabase
            $newestSeed = Invoke-TestBackup -Store $catalogStore
        }

        It 'lists every backup, newest first' {
            $listed = @(Get-DatabaseBackup -Store $catalogStore -ErrorAction Stop)
            $listed | Should -HaveCount 3
            $listed.Id | Should -Be @($newestSeed.Id, $small.Id, $oldestSeed.Id)
            $listed.StartedUtc | Should -Be @($listed.StartedUtc | Sort-Object -Descending)
            $listed[0].Store.Location | Should -Be $catalogStore.Location
        }

        It 'lists only the backups of the database -Database names' {
            $listed = @(Get-DatabaseBackup -Store $catalogStore -Database $seedDatabase -ErrorAction Stop)
            $listed.Id | Should -Be @($newestSeed.Id, $oldestSeed.Id)
            $listed.Database | Sort-Object -Unique | Should -Be $seedDatabase

            $smallListed = @(Get-DatabaseBackup -Store $catalogStore -Database $smallDatabase -ErrorAction Stop)
            $smallListed.Id | Should -Be @($small.Id)
            $smallListed[0].TableRowCounts['public.notes'] | Should -Be 10
        }

        It 'lists only the newest backups with -Newest' {
            $listed = @(Get-DatabaseBackup -Store $catalogStore -Newest 1 -ErrorAction Stop)
            $listed.Id | Should -Be @($newestSeed.Id)

            $listed = @(Get-DatabaseBackup -Store $catalogStore -Database $seedDatabase -Newest 1 -ErrorAction Stop)
            $listed.Id | Should -Be @($newestSeed.Id)
        }

        It 'takes the store from the pipeline' {
            $listed = @($catalogStore | Get-DatabaseBackup -Newest 2 -ErrorAction Stop)
            $listed.Id | Should -Be @($newestSeed.Id, $small.Id)
        }

        It 'does not list an artifact whose manifest was deleted' {
            $manifestPath = [System.IO.Path]::Combine($catalogStorePath, $oldestSeed.ManifestName)
            Remove-Item -LiteralPath $manifestPath
            Get-ArtifactPath $oldestSeed | Should -Exist

            $listed = @(Get-DatabaseBackup -Store $catalogStore -Database $seedDatabase -ErrorAction Stop)
            $listed.Id | Should -Be @($newestSeed.Id)
            $listed.Id | Should -Not -Contain $oldestSeed.Id
        }
    }

    Context 'runbooks/backup/Invoke-NightlyBackup.ps1' {
        BeforeAll {
            $runbookDatabases = @($seedDatabase, 'pester_runbook')
            Invoke-Psql -Database 'postgres' -Sql 'CREATE DATABASE pester_runbook' | Out-Null
            Invoke-Psql -Database 'pester_runbook' -Sql 'CREATE TABLE public.jobs (id integer PRIMARY KEY); INSERT INTO public.jobs SELECT generate_series(1, 25)' | Out-Null

            $environmentContent = New-TestEnvironmentContent -Name 'pesternightly' -Databases $runbookDatabases
            $runbookEnvironmentPath = New-EnvironmentDirectory -Name 'pesternightly' -Content $environmentContent
            $runbookStorePath = Join-Path $runbookEnvironmentPath 'store'
        }

        It 'emits a BackupRecord for every database the environment lists' {
            $records = @(& $nightlyBackupRunbook -Environment 'pesternightly' -EnvironmentPath $runbookEnvironmentPath -ErrorAction Stop)
            $records | Should -HaveCount 2
            foreach ($record in $records) {
                $record.GetType().FullName | Should -Be 'OpsRunbooks.Backup.BackupRecord'
                $record.Environment | Should -Be 'pesternightly'
            }
            @($records.Database | Sort-Object) | Should -Be @($runbookDatabases | Sort-Object)
            ($records | Where-Object Database -eq 'pester_runbook').TableRowCounts['public.jobs'] | Should -Be 25

            # The store path is relative to the environment file.
            $listed = @(Get-DatabaseBackup -Store (New-BackupStore -Path $runbookStorePath) -ErrorAction Stop)
            @($listed.Id | Sort-Object) | Should -Be @($records.Id | Sort-Object)
        }

        It 'makes no backup with -WhatIf' {
            $whatIfEnvironmentPath = New-EnvironmentDirectory -Name 'pesternightly' -Content $environmentContent
            $records = & $nightlyBackupRunbook -Environment 'pesternightly' -EnvironmentPath $whatIfEnvironmentPath -WhatIf
            $records | Should -BeNullOrEmpty
            Join-Path $whatIfEnvironmentPath 'store' | Should -Not -Exist
        }
    }

    Context 'An S3 store' {
        BeforeAll {
            # The S3-compatible test server that tests/services/install.sh installs, on a free loopback port.
            $s3Script = [System.IO.Path]::Combine($repositoryRoot, 'tests', 'services', 's3', 'node_modules', 's3rver', 'bin', 's3rver.js')
            if (-not (Test-Path -LiteralPath $s3Script)) { throw "s3rver is not installed at $s3Script (run tests/services/install.sh)." }
            $s3Directory = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-s3-').FullName
            $s3Port = Get-ClosedPort
            $s3Process = Start-Process -FilePath node -PassThru -ArgumentList @(
                $s3Script, '--directory', $s3Directory, '--address', '127.0.0.1', '--port', $s3Port, '--silent', '--configure-bucket', 'pester')
            $deadline = [datetime]::UtcNow.AddSeconds(30)
            while ($true) {
                try { [System.Net.Sockets.TcpClient]::new('127.0.0.1', $s3Port).Dispose(); break }
                catch { if ([datetime]::UtcNow -gt $deadline) { throw "s3rver did not listen on port $s3Port." }; Start-Sleep -Milliseconds 100 }
            }
            $s3Keys = [pscredential]::new('S3RVER', (ConvertTo-SecureString -String 'S3RVER' -AsPlainText -Force))
            $s3Store = New-BackupStore -S3Bucket pester -Prefix "run-$([guid]::NewGuid().ToString('N').Substring(0, 8))" `
                -Endpoint "http://127.0.0.1:$s3Port" -S3Credential $s3Keys -DisableChunkEncoding -PartSize 5MB
        }

        AfterAll {
            if ($s3Process) { Stop-Process -Id $s3Process.Id -Force -ErrorAction SilentlyContinue }
            if ($s3Directory) { Remove-Item -LiteralPath $s3Directory -Recurse -Force -ErrorAction SilentlyContinue }
        }

        It 'stores a backup whose downloaded bytes match the manifest checksum' {
            $record = Invoke-TestBackup -Store $s3Store
            $s3Store.Location | Should -BeLike 's3://pester/run-*'
            (Get-DatabaseBackup -Store $s3Store).Id | Should -Be $record.Id

            $stream = $s3Store.OpenReadAsync($record.ArtifactName, [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()
            try {
                $hash = [System.Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($stream)).ToLowerInvariant()
            }
            finally { $stream.Dispose() }
            $hash | Should -Be $record.Sha256
        }

        It 'refuses a part size below the S3 minimum' {
            { New-BackupStore -S3Bucket pester -Endpoint "http://127.0.0.1:$s3Port" -PartSize 1MB } | Should -Throw
        }
    }

    Context 'Retention: Get-BackupRetentionPlan and Remove-DatabaseBackup' {
        BeforeAll {
            $retentionStorePath = New-ScratchDirectory -Name 'store-retention'
            $retentionStore = New-BackupStore -Path $retentionStorePath
            # Six backups over two months, newest first: 2025-03-12 is a Wednesday of ISO week 11, 2025-03-05 one of week 10.
            $spread = @('2025-03-12T10:00:00Z', '2025-03-11T02:00:00Z', '2025-03-05T02:00:00Z', '2025-02-20T02:00:00Z', '2025-01-15T02:00:00Z', '2025-01-10T02:00:00Z') |
                ForEach-Object { [datetime]::Parse($_, [cultureinfo]::InvariantCulture, 'AdjustToUniversal') }
            $made = @(1..6 | ForEach-Object { Invoke-TestBackup -Store $retentionStore })
            for ($i = 0; $i -lt 6; $i++) { Set-TestManifest -Record $made[5 - $i] -StartedUtc $spread[$i] }
            $newestFirst = @(Get-DatabaseBackup -Store $retentionStore -ErrorAction Stop)
        }

        It 'plans one decision per backup, with the most specific reason' {
            $plan = @($newestFirst | Get-BackupRetentionPlan -Daily 1 -Weekly 2 -Monthly 3 -KeepMinimum 0 -ErrorAction Stop)
            $plan | Should -HaveCount 6
            $plan[0].GetType().FullName | Should -Be 'OpsRunbooks.Backup.RetentionDecision'
            $plan.Id | Should -Be $newestFirst.Id
            $plan.Reason | Should -Be @('daily 1 of 1', 'beyond policy', 'weekly 2 of 2', 'monthly 2 of 3', 'monthly 3 of 3', 'beyond policy')
            @($plan | ForEach-Object { "$($_.Action)" }) | Should -Be @('Keep', 'Remove', 'Keep', 'Keep', 'Keep', 'Remove')
            $plan[0].Backup.Sha256 | Should -Be $newestFirst[0].Sha256
        }

        It 'keeps the newest backups up to -KeepMinimum' {
            $plan = @($newestFirst | Get-BackupRetentionPlan -Daily 1 -Weekly 0 -Monthly 0 -KeepMinimum 3 -ErrorAction Stop)
            $plan.Reason | Should -Be @('daily 1 of 1', 'minimum 2 of 3', 'minimum 3 of 3', 'beyond policy', 'beyond policy', 'beyond policy')
        }

        It 'removes nothing with -WhatIf' {
            $output = Get-DatabaseBackup -Store $retentionStore | Get-BackupRetentionPlan -Daily 2 -Weekly 1 -Monthly 1 | Remove-DatabaseBackup -WhatIf -PassThru
            $output | Should -BeNullOrEmpty
            @(Get-DatabaseBackup -Store $retentionStore -ErrorAction Stop) | Should -HaveCount 6
        }

        It 'refuses a policy that would remove every backup, and removes nothing' {
            $output = Get-DatabaseBackup -Store $retentionStore | Get-BackupRetentionPlan -Daily 0 -Weekly 0 -Monthly 0 -KeepMinimum 0 -ErrorAction SilentlyContinue -ErrorVariable failures |
                Remove-DatabaseBackup -Confirm:$false
            $output | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'RetentionWouldRemoveAll*'
            @(Get-DatabaseBackup -Store $retentionStore -ErrorAction Stop) | Should -HaveCount 6
        }

        It 'removes the manifest and artifact of every backup the policy does not keep' {
            $removed = @(Get-DatabaseBackup -Store $retentionStore | Get-BackupRetentionPlan -Daily 2 -Weekly 1 -Monthly 1 |
                    Remove-DatabaseBackup -Confirm:$false -PassThru -ErrorAction Stop)
            # Two days, their week and month, and the default minimum of three keeps the third newest.
            $removed.Id | Should -Be $newestFirst[3..5].Id
            (Get-DatabaseBackup -Store $retentionStore -ErrorAction Stop).Id | Should -Be $newestFirst[0..2].Id
            foreach ($record in $removed) {
                [System.IO.Path]::Combine($retentionStorePath, $record.ManifestName) | Should -Not -Exist
                Get-ArtifactPath $record | Should -Not -Exist
            }
            @(Get-ChildItem -LiteralPath $retentionStorePath -Recurse -File) | Should -HaveCount 6
        }
    }

    Context 'Test-BackupFreshness' {
        BeforeAll {
            $freshnessStore = New-BackupStore -Path (New-ScratchDirectory -Name 'store-freshness')
            $steady = @(1..4 | ForEach-Object { Invoke-TestBackup -Store $freshnessStore })
            $newest = $steady[-1]
        }

        It 'is Healthy for a recent backup of a steady size' {
            $result = Test-BackupFreshness -Store $freshnessStore -ErrorAction Stop
            $result.GetType().FullName | Should -Be 'OpsRunbooks.Backup.BackupFreshnessResult'
            "$($result.Status)" | Should -Be 'Healthy'
            $result.Database | Should -Be $seedDatabase
            $result.NewestBackupId | Should -Be $newest.Id
            $result.Count | Should -Be 4
            $result.Reasons | Should -BeNullOrEmpty
            [math]::Abs($result.SizeChangePercent) | Should -BeLessOrEqual 20
        }

        It 'warns when the newest backup grew by 30 %' {
            $median = (Test-BackupFreshness -Store $freshnessStore).MedianBytes
            Set-TestManifest -Record $newest -StoredBytes ([long]($median * 1.3))
            $result = Test-BackupFreshness -Store $freshnessStore -ErrorAction Stop
            "$($result.Status)" | Should -Be 'Warning'
            $result.Reasons[0] | Should -Match 'larger than the median'
        }

        It 'is Critical for a backup of 0 bytes' {
            Set-TestManifest -Record $newest -StoredBytes 0
            "$((Test-BackupFreshness -Store $freshnessStore).Status)" | Should -Be 'Critical'
            Set-TestManifest -Record $newest -StoredBytes $newest.StoredBytes
        }

        It 'is Critical when the newest backup is older than -MaximumAge' {
            $result = Test-BackupFreshness -Store $freshnessStore -MaximumAge ([timespan]::FromMilliseconds(1)) -ErrorAction Stop
            "$($result.Status)" | Should -Be 'Critical'
            $result.Reasons[0] | Should -Match 'more than the maximum age'
        }

        It 'is Critical for a database that has no backup' {
            $results = @(Test-BackupFreshness -Store $freshnessStore -Database $seedDatabase, 'pester_never' -ErrorAction Stop)
            $missing = $results | Where-Object Database -eq 'pester_never'
            "$($missing.Status)" | Should -Be 'Critical'
            $missing.Reasons | Should -Be @('no backup')
            $missing.Count | Should -Be 0
        }
    }

    Context 'runbooks Invoke-BackupRetention.ps1 and Test-MorningBackupStatus.ps1' {
        BeforeAll {
            $retentionRunbook = Join-Path $repositoryRoot 'runbooks/backup/Invoke-BackupRetention.ps1'
            $morningRunbook = Join-Path $repositoryRoot 'runbooks/verification/Test-MorningBackupStatus.ps1'
            $maintenanceContent = New-TestEnvironmentContent -Name 'pestermaintenance' -Databases $seedDatabase, 'pester_never_backed_up' -Thresholds ([ordered]@{
                    BackupMaximumAge = '1.00:00:00'; RetentionDaily = 1; RetentionWeekly = 0; RetentionMonthly = 0; RetentionKeepMinimum = 2
                })
            $maintenancePath = New-EnvironmentDirectory -Name 'pestermaintenance' -Content $maintenanceContent
            $maintenanceStore = New-BackupStore -Path (Join-Path $maintenancePath 'store')
            $maintenanceBackups = @(1..3 | ForEach-Object { Invoke-TestBackup -Store $maintenanceStore })
        }

        It 'shows the plan and removes nothing with -WhatIf' {
            $plan = @(& $retentionRunbook -Environment 'pestermaintenance' -EnvironmentPath $maintenancePath -WhatIf)
            $plan.Reason | Should -Be @('daily 1 of 1', 'minimum 2 of 2', 'beyond policy')
            @(Get-DatabaseBackup -Store $maintenanceStore -ErrorAction Stop) | Should -HaveCount 3
        }

        It 'removes the backups beyond the environment''s policy' {
            $plan = @(& $retentionRunbook -Environment 'pestermaintenance' -EnvironmentPath $maintenancePath -ErrorAction Stop)
            $plan | Should -HaveCount 3
            (Get-DatabaseBackup -Store $maintenanceStore -ErrorAction Stop).Id | Should -Be @($maintenanceBackups[2].Id, $maintenanceBackups[1].Id)
        }

        It 'writes an error for a database without a backup and outputs every result' {
            $results = @(& $morningRunbook -Environment 'pestermaintenance' -EnvironmentPath $maintenancePath -ErrorAction SilentlyContinue -ErrorVariable failures)
            $results | Should -HaveCount 2
            @($results | ForEach-Object { "$($_.Database)=$($_.Status)" }) | Should -Be @("$seedDatabase=Healthy", 'pester_never_backed_up=Critical')
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupStatusCritical*'
            $failures[0].ToString() | Should -Match 'pester_never_backed_up'
        }
    }

    Context 'Restore-DatabaseBackup' {
        BeforeAll {
            $restoreStore = New-BackupStore -Path (New-ScratchDirectory -Name 'store-restore')
            $restoreBackup = Invoke-TestBackup -Store $restoreStore
            $restoreTargets = [System.Collections.Generic.List[string]]::new()

            # A database name of its own for each test; all of them, and anything named after them, go in AfterAll.
            function New-RestoreTarget {
                $name = 'pester_restore_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
                $restoreTargets.Add($name)
                return $name
            }

            function Invoke-TestRestore {
                param(
                    [Parameter(Mandatory)][string] $Target,
                    $Backup = $restoreBackup,
                    [hashtable] $More = @{}
                )
                $Backup | Restore-DatabaseBackup -TargetDatabase $Target -Server $pg.PGHOST -Port $serverPort -Credential $credential `
                    -DecryptionKey $secretKeyPath -Confirm:$false @More
            }

            function Get-DatabaseNames {
                param([Parameter(Mandatory)][string] $Like)
                return @((Invoke-Psql -Database 'postgres' -Sql "SELECT datname FROM pg_database WHERE datname LIKE '$Like' ORDER BY 1") -split "`n" |
                        Where-Object { $_ })
            }
        }

        AfterAll {
            foreach ($target in $restoreTargets) {
                foreach ($database in @($target) + @(Get-DatabaseNames -Like "$target\_%")) {
                    Invoke-Psql -Database 'postgres' -Sql "DROP DATABASE IF EXISTS `"$database`" WITH (FORCE)" | Out-Null
                }
            }
        }

        It 'restores into a new database with the row counts of the manifest' {
            $target = New-RestoreTarget
            $result = Invoke-TestRestore -Target $target -ErrorAction Stop

            $result.TargetDatabase | Should -Be $target
            $result.BackupId | Should -Be $restoreBackup.Id
            $result.RowCountsMatch | Should -BeTrue
            $result.ReplacedExisting | Should -BeFalse
            $result.EmergencyBackup | Should -BeNullOrEmpty
            foreach ($table in $restoreBackup.TableRowCounts.Keys) {
                Invoke-Psql -Database $target -Sql "SELECT count(*) FROM $table" | Should -Be "$($restoreBackup.TableRowCounts[$table])"
            }
            ($result | Format-Table | Out-String) | Should -Match ([regex]::Escape($target))
        }

        It 'refuses an existing target without -Force and leaves it as it was' {
            $target = New-RestoreTarget
            & createdb $target
            Invoke-Psql -Database $target -Sql "CREATE TABLE marker (note text); INSERT INTO marker VALUES ('kept')" | Out-Null

            Invoke-TestRestore -Target $target -ErrorAction SilentlyContinue -ErrorVariable failures | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'TargetDatabaseExists,*'
            Invoke-Psql -Database $target -Sql 'SELECT note FROM marker' | Should -Be 'kept'
        }

        It 'replaces an existing target with -Force after an emergency backup that restores with its data' {
            $target = New-RestoreTarget
            Invoke-TestRestore -Target $target -ErrorAction Stop | Out-Null
            Invoke-Psql -Database $target -Sql "CREATE TABLE marker (note text); INSERT INTO marker VALUES ('before the restore')" | Out-Null

            $result = Invoke-TestRestore -Target $target -More @{ Force = $true; EncryptionKey = $publicKeyPath } -ErrorAction Stop

            $result.ReplacedExisting | Should -BeTrue
            $result.EmergencyBackup.Database | Should -Be $target
            $result.EmergencyBackup.TableRowCounts['public.marker'] | Should -Be 1
            Invoke-Psql -Database $target -Sql "SELECT count(*) FROM pg_class WHERE relname = 'marker'" | Should -Be '0'
            (Get-DatabaseBackup -Store $restoreStore -Database $target -ErrorAction Stop).Id | Should -Be $result.EmergencyBackup.Id
            Get-DatabaseNames -Like "$target\_%" | Should -BeNullOrEmpty

            $copy = New-RestoreTarget
            Invoke-TestRestore -Target $copy -Backup $result.EmergencyBackup -ErrorAction Stop | Out-Null
            Invoke-Psql -Database $copy -Sql 'SELECT note FROM marker' | Should -Be 'before the restore'
        }

        It 'changes nothing with -WhatIf' {
            $target = New-RestoreTarget
            Invoke-TestRestore -Target $target -More @{ WhatIf = $true } -ErrorAction Stop | Should -BeNullOrEmpty
            Get-DatabaseNames -Like $target | Should -BeNullOrEmpty
        }

        It 'restores with parallel jobs and leaves no temporary file' {
            $target = New-RestoreTarget
            $result = Invoke-TestRestore -Target $target -More @{ Jobs = 2; NoOwner = $true } -ErrorAction Stop -Verbose 4>&1
            $verbose = @($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
            $restored = $result | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
            $restored.RowCountsMatch | Should -BeTrue
            $fileLine = $verbose | Where-Object Message -Match "temporary file '([^']+)'" | Select-Object -First 1
            $fileLine | Should -Not -BeNullOrEmpty
            $null = $fileLine.Message -match "temporary file '([^']+)'"
            Test-Path -LiteralPath ([System.IO.Path]::GetDirectoryName($Matches[1])) | Should -BeFalse
        }

        It 'fails with DecryptionFailed for the wrong key and leaves no database' {
            $target = New-RestoreTarget
            $restoreBackup | Restore-DatabaseBackup -TargetDatabase $target -Server $pg.PGHOST -Port $serverPort -Credential $credential `
                -DecryptionKey $otherSecretKeyPath -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'DecryptionFailed,*'
            Get-DatabaseNames -Like $target | Should -BeNullOrEmpty
        }

        It 'fails with ChecksumMismatch for a corrupted artifact and leaves no database' {
            $corruptStore = New-BackupStore -Path (New-ScratchDirectory -Name 'store-corrupt')
            $corrupt = Invoke-TestBackup -Store $corruptStore
            $artifact = Get-ArtifactPath -Record $corrupt
            $bytes = [System.IO.File]::ReadAllBytes($artifact)
            $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x20
            [System.IO.File]::WriteAllBytes($artifact, $bytes)
            $target = New-RestoreTarget

            Invoke-TestRestore -Target $target -Backup $corrupt -ErrorAction SilentlyContinue -ErrorVariable failures | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ChecksumMismatch,*'
            Get-DatabaseNames -Like $target | Should -BeNullOrEmpty
        }

        It 'restores the newest backup that passes its checks with Restore-DatabaseWithFallback.ps1' {
            $content = (New-TestEnvironmentContent -Name 'pesterfallback' -Databases $seedDatabase) -replace '(?m)^    Store ',
                "    DecryptionKey   = $(ConvertTo-QuotedLiteral $secretKeyPath)`n    Store "
            $fallbackPath = New-EnvironmentDirectory -Name 'pesterfallback' -Content $content
            $fallbackStore = New-BackupStore -Path (Join-Path $fallbackPath 'store')
            $fallbackBackups = @(1..2 | ForEach-Object { Invoke-TestBackup -Store $fallbackStore })
            [System.IO.File]::WriteAllBytes((Get-ArtifactPath -Record $fallbackBackups[1]), [byte[]](1..100))
            $target = New-RestoreTarget

            $fallbackRunbook = Join-Path $repositoryRoot 'runbooks/recovery/Restore-DatabaseWithFallback.ps1'
            $outcome = & $fallbackRunbook -Environment 'pesterfallback' -EnvironmentPath $fallbackPath -Database $seedDatabase `
                -TargetDatabase $target -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue

            $outcome.UsedBackupId | Should -Be $fallbackBackups[0].Id
            $outcome.PassedOver | Should -HaveCount 1
            $outcome.PassedOver[0].BackupId | Should -Be $fallbackBackups[1].Id
            $outcome.PassedOver[0].Reason | Should -Match 'ChecksumMismatch'
            $outcome.Restore.TargetDatabase | Should -Be $target
            Get-DatabaseNames -Like $target | Should -Be @($target)
        }
    }

    Context 'Test-BackupIntegrity and the verification runbooks' {
        BeforeAll {
            $integrityStore = New-BackupStore -Path (New-ScratchDirectory -Name 'store-integrity')
            $integrityBackup = Invoke-TestBackup -Store $integrityStore
            $artifactPath = Get-ArtifactPath -Record $integrityBackup
            $manifestPath = [System.IO.Path]::Combine($integrityStore.RootPath, $integrityBackup.ManifestName)
            $originalArtifact = [System.IO.File]::ReadAllBytes($artifactPath)
            $originalManifest = Get-Content -LiteralPath $manifestPath -Raw
            $restoreTest = @{
                DecryptionKey = $secretKeyPath; RestoreTest = $true
                Server = $pg.PGHOST; Port = $serverPort; Credential = $credential
            }

            function Get-ScratchDatabase {
                Invoke-Psql -Database 'postgres' -Sql "SELECT coalesce(string_agg(datname, ','), '') FROM pg_database WHERE datname LIKE 'opsrunbooks_verify_%'"
            }
            function Get-CheckStatus {
                param([Parameter(Mandatory)] $Report)
                return @($Report.Checks | ForEach-Object { "$($_.Name):$($_.Status)" })
            }
        }

        AfterEach {
            [System.IO.File]::WriteAllBytes($artifactPath, $originalArtifact)
            Set-Content -LiteralPath $manifestPath -Value $originalManifest -NoNewline -Encoding utf8NoBOM
            Get-ScratchDatabase | Should -BeNullOrEmpty
        }

        It 'passes every check of a good backup, the restore test and a query included' {
            $report = $integrityBackup | Test-BackupIntegrity @restoreTest -VerificationQuery 'SELECT count(*) = 120000 FROM public.orders' -ErrorAction Stop
            $report.GetType().FullName | Should -Be 'OpsRunbooks.Verification.IntegrityReport'
            $report.Passed | Should -BeTrue
            Get-CheckStatus $report | Should -Be @('Manifest:Passed', 'Checksum:Passed', 'Decrypt:Passed', 'Archive:Passed', 'Restore:Passed', 'RowCounts:Passed', 'VerificationQueries:Passed')
            $report.RestoreDuration | Should -BeGreaterThan ([timespan]::Zero)
            $report.ScratchDatabase | Should -BeLike "opsrunbooks_verify_$($seedDatabase)_*"
            $report.BackupId | Should -Be $integrityBackup.Id
        }

        It 'checks the checksum without a key and says why decryption was skipped' {
            $report = Test-BackupIntegrity -Store $integrityStore -Database $seedDatabase -ErrorAction Stop
            $report.Passed | Should -BeTrue
            Get-CheckStatus $report | Select-Object -First 4 | Should -Be @('Manifest:Passed', 'Checksum:Passed', 'Decrypt:Skipped', 'Archive:Skipped')
            ($report.Checks | Where-Object Name -eq 'Decrypt').Detail | Should -Match 'no decryption key'
        }

        It 'catches one flipped byte in the checksum' {
            $corrupt = [byte[]]$originalArtifact.Clone()
            $corrupt[[int]($corrupt.Length / 2)] = $corrupt[[int]($corrupt.Length / 2)] -bxor 1
            [System.IO.File]::WriteAllBytes($artifactPath, $corrupt)
            $report = $integrityBackup | Test-BackupIntegrity @restoreTest -ErrorAction Stop
            $report.Passed | Should -BeFalse
            $report.FailedCheck | Should -Be 'Checksum'
            $report.Cause | Should -Be 'ChecksumMismatch'
            @(Get-CheckStatus $report)[2..6] | Should -Be @('Decrypt:Skipped', 'Archive:Skipped', 'Restore:Skipped', 'RowCounts:Skipped', 'VerificationQueries:Skipped')
        }

        It 'catches a truncated artifact in the checksum' {
            [System.IO.File]::WriteAllBytes($artifactPath, $originalArtifact[0..([int]($originalArtifact.Length / 2))])
            $report = $integrityBackup | Test-BackupIntegrity -DecryptionKey $secretKeyPath -ErrorAction Stop
            $report.Cause | Should -Be 'ChecksumMismatch'
        }

        It 'fails Decrypt with a key the backup is not encrypted to' {
            $report = $integrityBackup | Test-BackupIntegrity -DecryptionKey $otherSecretKeyPath -ErrorAction Stop
            $report.FailedCheck | Should -Be 'Decrypt'
            $report.Cause | Should -Be 'DecryptionFailed'
            ($report.Checks | Where-Object Name -eq 'Checksum').Status | Should -Be 'Passed'
        }

        It 'fails RowCounts when the manifest''s counts are not the restored ones' {
            $json = $originalManifest -replace '"public\.orders":\s*\d+', '"public.orders": 7'
            Set-Content -LiteralPath $manifestPath -Value $json -NoNewline -Encoding utf8NoBOM
            $report = $integrityBackup | Test-BackupIntegrity @restoreTest -ErrorAction Stop
            $report.FailedCheck | Should -Be 'RowCounts'
            $report.Cause | Should -Be 'RowCountMismatch'
            $report.CauseDetail | Should -Match 'public\.orders: 120,000 restored, the manifest says 7'
        }

        It 'fails VerificationQueries when a query returns no row' {
            $query = 'SELECT id FROM public.orders WHERE id < 0'
            $report = $integrityBackup | Test-BackupIntegrity @restoreTest -VerificationQuery $query -ErrorAction Stop
            $report.Cause | Should -Be 'VerificationQueryFailed'
            $report.CauseDetail | Should -BeLike "*$query*returned no row*"
        }

        It 'writes ConnectionFailed for a restore server that cannot be reached, and no report' {
            $closed = $restoreTest.Clone()
            $closed.Port = Get-ClosedPort
            $reports = @($integrityBackup | Test-BackupIntegrity @closed -ErrorAction SilentlyContinue -ErrorVariable failures)
            $reports | Should -HaveCount 0
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        }

        It 'runs the restore drill on an older backup and Test-RecentBackups.ps1 over the last backups' {
            $content = (New-TestEnvironmentContent -Name 'pesterverify' -Databases $seedDatabase) -replace '(?m)^    Store ',
                "    DecryptionKey   = $(ConvertTo-QuotedLiteral $secretKeyPath)`n    RestoreTestServer = 'primary'`n    Store "
            $verifyPath = New-EnvironmentDirectory -Name 'pesterverify' -Content $content
            $verifyStore = New-BackupStore -Path (Join-Path $verifyPath 'store')
            $verifyBackups = @(1..3 | ForEach-Object { Invoke-TestBackup -Store $verifyStore })

            $drillRunbook = Join-Path $repositoryRoot 'runbooks/verification/Invoke-RestoreDrill.ps1'
            $drill = & $drillRunbook -Environment 'pesterverify' -EnvironmentPath $verifyPath -ErrorAction Stop
            $drill.Passed | Should -BeTrue
            $drill.BackupId | Should -BeIn @($verifyBackups[0].Id, $verifyBackups[1].Id)
            $drill.RestoreTime | Should -BeGreaterThan ([timespan]::Zero)

            $recentRunbook = Join-Path $repositoryRoot 'runbooks/verification/Test-RecentBackups.ps1'
            $output = @(& $recentRunbook -Environment 'pesterverify' -EnvironmentPath $verifyPath -Count 3 -ErrorAction Stop)
            $summary = $output[-1]
            "$($summary.Checked)/$($summary.Good)/$($summary.Bad)" | Should -Be '3/3/0'

            [System.IO.File]::WriteAllBytes((Get-ArtifactPath -Record $verifyBackups[2]), [byte[]](1..100))
            $output = @(& $recentRunbook -Environment 'pesterverify' -EnvironmentPath $verifyPath -Count 3 -ErrorAction SilentlyContinue -ErrorVariable failures)
            $summary = $output[-1]
            "$($summary.Checked)/$($summary.Good)/$($summary.Bad)" | Should -Be '3/2/1'
            $summary.BadBackups[0] | Should -Match ([regex]::Escape($verifyBackups[2].Id))
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'RecentBackupsBad*'
        }
    }
}
