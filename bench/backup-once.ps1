<#
.SYNOPSIS
One Invoke-DatabaseBackup for bench/backup-throughput.sh; prints one machine-readable result line.

.DESCRIPTION
Backs up -Database once, either into a local store at -StorePath (created if absent; the caller
deletes it), or, with -S3Bucket, into an S3 store (AWS S3, or the S3-compatible server at
-S3Endpoint) under -S3Prefix (the caller deletes what it uploads). It writes to standard output a
single line

    BENCH-RESULT duration_s=<s> dump_bytes=<n> stored_bytes=<n>

where duration_s is the record's Duration (the cmdlet's own clock: from checking pg_dump to the
artifact being stored, before the manifest is written).

Secrets never appear on a command line: the database password is read from the environment variable
PGPASSWORD, and the S3 access key id and secret access key from OPSRUNBOOKS_BENCH_S3_ACCESS_KEY and
OPSRUNBOOKS_BENCH_S3_SECRET_KEY (when neither is set, the store uses the standard AWS credential
chain). Runs in the embedded engine of `opsrunbook run`, where only Core cmdlets exist, so it uses
the language and .NET only.

.EXAMPLE
PGPASSWORD=... dotnet opsrunbook.dll run bench/backup-once.ps1 -Server 127.0.0.1 -Port 5432 -Database bench_s1 -User opsadmin -EncryptionKey key.asc -StorePath /dev/shm/store

.EXAMPLE
PGPASSWORD=... OPSRUNBOOKS_BENCH_S3_ACCESS_KEY=S3RVER OPSRUNBOOKS_BENCH_S3_SECRET_KEY=S3RVER dotnet opsrunbook.dll run bench/backup-once.ps1 -Server 127.0.0.1 -Port 5432 -Database bench_s1 -User opsadmin -EncryptionKey key.asc -S3Bucket bench -S3Endpoint http://127.0.0.1:4568 -S3Prefix run-1 -DisableChunkEncoding
#>
[CmdletBinding(DefaultParameterSetName = 'Local')]
param(
    [Parameter(Mandatory)] [string] $Server,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $Database,
    [Parameter(Mandatory)] [string] $User,
    # The recipient's public key (armored .asc).
    [Parameter(Mandatory)] [string] $EncryptionKey,
    # pg_dump to use; by default the cmdlet's own lookup (PATH, then /usr/lib/postgresql/*/bin).
    [string] $PgDumpPath,

    # The local store directory; should be fresh (empty or absent) for each run.
    [Parameter(Mandatory, ParameterSetName = 'Local')] [string] $StorePath,

    # The bucket of an S3 store; selects the S3 store instead of the local one.
    [Parameter(Mandatory, ParameterSetName = 'S3')] [string] $S3Bucket,
    # The service URL of an S3-compatible server (path-style addressing); leave out for AWS S3.
    [Parameter(ParameterSetName = 'S3')] [string] $S3Endpoint,
    # The key prefix; should be fresh for each run.
    [Parameter(ParameterSetName = 'S3')] [string] $S3Prefix = '',
    # Multipart part size in bytes (at least 5 MiB).
    [Parameter(ParameterSetName = 'S3')] [long] $PartSize = 16MB,
    # Parts uploaded at the same time.
    [Parameter(ParameterSetName = 'S3')] [int] $UploadConcurrency = 4,
    # Plain request bodies instead of aws-chunked ones: needed by s3rver.
    [Parameter(ParameterSetName = 'S3')] [switch] $DisableChunkEncoding
)

$ErrorActionPreference = 'Stop'

# New-Object and ConvertTo-SecureString are not in the embedded engine: build it by hand.
function New-SecureText([string] $Text) {
    $secure = [System.Security.SecureString]::new()
    foreach ($c in $Text.ToCharArray()) { $secure.AppendChar($c) }
    $secure.MakeReadOnly()
    $secure
}

$password = [System.Environment]::GetEnvironmentVariable('PGPASSWORD')
if ([string]::IsNullOrEmpty($password)) {
    throw 'backup-once.ps1: set the database password in the environment variable PGPASSWORD.'
}
$credential = [pscredential]::new($User, (New-SecureText $password))

if ($PSCmdlet.ParameterSetName -eq 'S3') {
    $storeParameters = @{
        S3Bucket          = $S3Bucket
        Prefix            = $S3Prefix
        PartSize          = $PartSize
        UploadConcurrency = $UploadConcurrency
    }
    if ($S3Endpoint) { $storeParameters.Endpoint = $S3Endpoint }
    if ($DisableChunkEncoding) { $storeParameters.DisableChunkEncoding = $true }
    $accessKey = [System.Environment]::GetEnvironmentVariable('OPSRUNBOOKS_BENCH_S3_ACCESS_KEY')
    $secretKey = [System.Environment]::GetEnvironmentVariable('OPSRUNBOOKS_BENCH_S3_SECRET_KEY')
    if (-not [string]::IsNullOrEmpty($accessKey) -and -not [string]::IsNullOrEmpty($secretKey)) {
        $storeParameters.S3Credential = [pscredential]::new($accessKey, (New-SecureText $secretKey))
    }
    elseif (-not [string]::IsNullOrEmpty($accessKey) -or -not [string]::IsNullOrEmpty($secretKey)) {
        throw 'backup-once.ps1: set both OPSRUNBOOKS_BENCH_S3_ACCESS_KEY and OPSRUNBOOKS_BENCH_S3_SECRET_KEY, or neither (standard AWS credential chain).'
    }
    $store = New-BackupStore @storeParameters
}
else {
    $store = New-BackupStore -Path $StorePath
}

$backupParameters = @{
    Server        = $Server
    Port          = $Port
    Database      = $Database
    Credential    = $credential
    Store         = $store
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
