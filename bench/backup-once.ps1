<#
.SYNOPSIS
One Invoke-DatabaseBackup for bench/backup-throughput.sh; prints one machine-readable result line.

.DESCRIPTION
Backs up -Database once into a local store at -StorePath (created if absent; the caller deletes it)
and writes to standard output a single line

    BENCH-RESULT duration_s=<s> dump_bytes=<n> stored_bytes=<n>

where duration_s is the record's Duration (the cmdlet's own clock: from checking pg_dump to the
artifact being stored, before the manifest is written). The password is read from the environment
variable PGPASSWORD so that it never appears on a command line. Runs in the embedded engine of
`opsrunbook run`, where only Core cmdlets exist, so it uses the language and .NET only.

.EXAMPLE
PGPASSWORD=... dotnet opsrunbook.dll run bench/backup-once.ps1 -Server 127.0.0.1 -Port 5432 -Database bench_s1 -User opsadmin -EncryptionKey key.asc -StorePath /dev/shm/store
#>
param(
    [Parameter(Mandatory)] [string] $Server,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $Database,
    [Parameter(Mandatory)] [string] $User,
    # The recipient's public key (armored .asc).
    [Parameter(Mandatory)] [string] $EncryptionKey,
    # The local store directory; should be fresh (empty or absent) for each run.
    [Parameter(Mandatory)] [string] $StorePath,
    # pg_dump to use; by default the cmdlet's own lookup (PATH, then /usr/lib/postgresql/*/bin).
    [string] $PgDumpPath
)

$ErrorActionPreference = 'Stop'

$password = [System.Environment]::GetEnvironmentVariable('PGPASSWORD')
if ([string]::IsNullOrEmpty($password)) {
    throw 'backup-once.ps1: set the database password in the environment variable PGPASSWORD.'
}
$securePassword = [System.Security.SecureString]::new()
foreach ($c in $password.ToCharArray()) { $securePassword.AppendChar($c) }
$securePassword.MakeReadOnly()
$credential = [pscredential]::new($User, $securePassword)

$backupParameters = @{
    Server        = $Server
    Port          = $Port
    Database      = $Database
    Credential    = $credential
    Store         = New-BackupStore -Path $StorePath
    EncryptionKey = $EncryptionKey
}
if ($PgDumpPath) { $backupParameters.PgDumpPath = $PgDumpPath }

# Assigned, not emitted: the record's default formatting would only add noise (and time) to the run.
$record = Invoke-DatabaseBackup @backupParameters
if ($null -eq $record) {
    throw "backup-once.ps1: Invoke-DatabaseBackup of $Database returned no record."
}

$invariant = [System.Globalization.CultureInfo]::InvariantCulture
[Console]::WriteLine([string]::Format($invariant, 'BENCH-RESULT duration_s={0:F3} dump_bytes={1} stored_bytes={2}',
        $record.Duration.TotalSeconds, $record.DumpBytes, $record.StoredBytes))
