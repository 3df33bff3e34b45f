<#
.SYNOPSIS
Starts a throwaway PostgreSQL server with seeded data and makes an OpenPGP key pair, for one test file.

.DESCRIPTION
Dot-source it in BeforeAll after TestSupport.ps1; it sets $pg (the PG* values postgres.sh printed),
$serverPort, $seedDatabase, $credential, $gnupgHome, $fingerprint, $publicKeyPath and $secretKeyPath
there. Call Stop-TestServer in AfterAll. To choose the server, set $testServerOptions before, e.g.
@('--version', '18', '--stat-statements') (the options of postgres.sh start).
#>

$postgresDirectory = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-pg-').FullName
$startOutput = & bash (Join-Path $repositoryRoot 'tests/services/postgres.sh') start $postgresDirectory @testServerOptions
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

# psql and pwsh -File runbooks find the server and its password through these; Stop-TestServer puts them back.
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

$gnupgHome = [System.IO.Directory]::CreateTempSubdirectory('opsrunbooks-pester-gpg-').FullName
$fingerprint = New-TestKeyPair -UserId 'OpsRunbooks Pester <pester@opsrunbooks.test>' -Name 'backup'
$publicKeyPath = Join-Path $gnupgHome 'backup.pub.asc'
Invoke-Gpg @('--armor', '--output', $publicKeyPath, '--export', $fingerprint) | Out-Null
$secretKeyPath = Join-Path $gnupgHome 'backup.sec.asc'
