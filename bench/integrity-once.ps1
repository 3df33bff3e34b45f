<#
.SYNOPSIS
One Test-BackupIntegrity for bench/integrity.sh; prints one machine-readable result line.

.DESCRIPTION
Tests the newest backup of -Database in the local store at -StorePath. Without -DecryptionKey only the
manifest and the checksum are checked; with it, decryption and pg_restore --list too; with
-RestoreTest also a restore into a scratch database on -Server (dropped afterwards). It writes to
standard output a single line

    BENCH-RESULT passed=<True|False> duration_s=<s> checksum_s=<s> restore_s=<s|none> stored_bytes=<n>

where duration_s is the report's Duration, checksum_s the Checksum check's (the streamed pass over the
stored bytes) and restore_s the report's RestoreDuration (creating the scratch database to the end of
pg_restore).

The database password is read from the environment variable PGPASSWORD, never from the command line.
Runs in the embedded engine of `opsrunbook run`, so it uses the language and .NET only.

.EXAMPLE
PGPASSWORD=... dotnet opsrunbook.dll run bench/integrity-once.ps1 -StorePath /dev/shm/store -Database bench_s8 -DecryptionKey secret.asc -RestoreTest -Server 127.0.0.1 -Port 5432 -User opsadmin
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $StorePath,
    [Parameter(Mandatory)] [string] $Database,
    # The secret key (armored .asc, no passphrase).
    [string] $DecryptionKey,
    [switch] $RestoreTest,
    [string] $Server,
    [int] $Port = 5432,
    [string] $User,
    [string] $PgRestorePath
)

$ErrorActionPreference = 'Stop'

$parameters = @{ Store = (New-BackupStore -Path $StorePath); Database = $Database }
if ($DecryptionKey) { $parameters.DecryptionKey = $DecryptionKey }
if ($PgRestorePath) { $parameters.PgRestorePath = $PgRestorePath }
if ($RestoreTest) {
    $password = [System.Environment]::GetEnvironmentVariable('PGPASSWORD')
    if ([string]::IsNullOrEmpty($password)) {
        throw 'integrity-once.ps1: set the database password in the environment variable PGPASSWORD.'
    }
    $secure = [System.Security.SecureString]::new()
    foreach ($c in $password.ToCharArray()) { $secure.AppendChar($c) }
    $parameters.RestoreTest = $true
    $parameters.RestoreTestServer = $Server
    $parameters.RestoreTestPort = $Port
    $parameters.Credential = [pscredential]::new($User, $secure)
}

$report = Test-BackupIntegrity @parameters
if ($null -eq $report) {
    throw "integrity-once.ps1: Test-BackupIntegrity of $Database returned no report."
}
if (-not $report.Passed) {
    throw "integrity-once.ps1: $($report.BackupId) failed $($report.FailedCheck) ($($report.Cause)): $($report.CauseDetail)"
}

$checksum = $report.Checks | Where-Object Name -eq 'Checksum'
$invariant = [System.Globalization.CultureInfo]::InvariantCulture
$restore = if ($null -eq $report.RestoreDuration) { 'none' } else { $report.RestoreDuration.TotalSeconds.ToString('F3', $invariant) }
[Console]::WriteLine([string]::Format($invariant, 'BENCH-RESULT passed={0} duration_s={1:F3} checksum_s={2:F3} restore_s={3} stored_bytes={4}',
        $report.Passed, $report.Duration.TotalSeconds, $checksum.Duration.TotalSeconds, $restore, $report.Backup.StoredBytes))
