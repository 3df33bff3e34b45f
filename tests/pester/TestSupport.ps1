<#
.SYNOPSIS
What the Pester tests share: the built module, scratch folders, a throwaway PostgreSQL server, gpg keys.

.DESCRIPTION
Dot-source it in a file's BeforeAll:

    BeforeAll { . $PSScriptRoot/TestSupport.ps1 }

It imports out/OpsRunbooks (build it first: ./build.sh build or ./build.ps1) and defines the helpers
below. A file that needs the database server also dot-sources TestServer.ps1 in its BeforeAll, and calls
Stop-TestServer in its AfterAll; a file that does not calls Remove-ScratchRoot there.
#>

$repositoryRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
$moduleManifest = Join-Path $repositoryRoot 'out/OpsRunbooks/OpsRunbooks.psd1'
if (-not (Test-Path -LiteralPath $moduleManifest)) {
    throw "The module is not built: $moduleManifest is missing. Run ./build.sh build first."
}
Import-Module $moduleManifest -Force -ErrorAction Stop

# A directory of its own for each test that needs files; all of them go in Stop-TestServer or Remove-ScratchRoot.
$scratchRoot = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-').FullName

function New-ScratchDirectory {
    param([Parameter(Mandatory)][string] $Name)
    $path = Join-Path $scratchRoot ($Name + '-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $path | Out-Null
    return $path
}

function Remove-ScratchRoot {
    if (Test-Path -LiteralPath $scratchRoot) { Remove-Item -LiteralPath $scratchRoot -Recurse -Force }
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

function Stop-TestServer {
    if ($postgresDirectory) {
        & bash (Join-Path $repositoryRoot 'tests/services/postgres.sh') stop $postgresDirectory
        Remove-Item -LiteralPath $postgresDirectory -Recurse -Force -ErrorAction SilentlyContinue
    }
    if ($gnupgHome) {
        & gpgconf --homedir $gnupgHome --kill all 2>$null
        Remove-Item -LiteralPath $gnupgHome -Recurse -Force -ErrorAction SilentlyContinue
    }
    if ($savedVariables) {
        foreach ($variable in $savedVariables.Keys) {
            # An empty PGPORT is not an unset one: postgres.sh's initdb would refuse it in the next file.
            if ($null -eq $savedVariables[$variable]) { Remove-Item -LiteralPath "env:$variable" -ErrorAction SilentlyContinue }
            else { Set-Item -LiteralPath "env:$variable" -Value $savedVariables[$variable] }
        }
    }
    Remove-ScratchRoot
}

function Invoke-Psql {
    param(
        [Parameter(Mandatory)][string] $Database,
        [Parameter(Mandatory)][string] $Sql
    )
    $output = & psql --no-psqlrc --set=ON_ERROR_STOP=1 --tuples-only --no-align --dbname $Database --command $Sql
    if ($LASTEXITCODE -ne 0) { throw "psql failed with exit code $LASTEXITCODE on: $Sql" }
    return ($output -join "`n").Trim()
}

# Runs gpg on the test key ring. The arguments come as one array: gpg's --options are not PowerShell parameters.
function Invoke-Gpg {
    param([string[]] $Arguments)
    $output = & gpg --homedir $gnupgHome --batch --yes --pinentry-mode loopback @Arguments
    if ($LASTEXITCODE -ne 0) { throw "gpg $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    return $output
}

# Makes an rsa3072 signing key with an rsa3072 encryption subkey, exports its secret half to <Name>.sec.asc,
# and returns its fingerprint.
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

# The text of an environment file for the test server: its databases, a store beside the file, the keys.
function New-TestEnvironmentContent {
    param(
        [Parameter(Mandatory)][string] $Name,
        [Parameter(Mandatory)][string[]] $Databases
    )
    $databaseLines = foreach ($database in $Databases) { "        @{ Name = $(ConvertTo-QuotedLiteral $database); Server = 'primary' }" }
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
    DecryptionKey   = $(ConvertTo-QuotedLiteral $secretKeyPath)
    RestoreTestServer = 'primary'
    Thresholds      = @{ BackupMaximumAge = '1.00:00:00' }
}
"@
}

# Runs a runbook as a scheduled task does: pwsh -File in a new process, the module found through
# PSModulePath by the runbook's #Requires. Returns the exit code; the output goes to the test's output.
function Invoke-RunbookProcess {
    param(
        [Parameter(Mandatory)][string] $Runbook,
        [string[]] $Arguments = @()
    )
    $pwsh = Join-Path $PSHOME 'pwsh'
    $savedModulePath = $env:PSModulePath
    try {
        $env:PSModulePath = Join-Path $repositoryRoot 'out'
        & $pwsh -NoProfile -NonInteractive -File (Join-Path $repositoryRoot "runbooks/$Runbook") @Arguments 2>&1 | Out-Host
        return $LASTEXITCODE
    }
    finally {
        $env:PSModulePath = $savedModulePath
    }
}
