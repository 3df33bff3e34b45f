<#
.SYNOPSIS
The operations log's costs for bench/journal.sh; prints machine-readable result lines.

.DESCRIPTION
1. Backs up -Database on -Server -Repeat times into the local store at -StorePath (each backup records
   one entry in the log at $env:OPSRUNBOOKS_JOURNAL_PATH) and prints each backup's own Duration.
2. Times -Appends appends of that last entry to a scratch log file, and -Appends inserts into a
   PostgreSQL table on the same server: what one entry costs in each sink.
3. Fills -BigLog with -Entries entries and times Get-OperationLog over it: every entry through the
   pipeline, the newest 20, and a filter that matches none (so every line is read and parsed).

    BENCH-RESULT backup_s=<s>                        (one per backup)
    BENCH-RESULT file_append_ms=<ms> table_insert_ms=<ms>
    BENCH-RESULT entries=<n> all_s=<s> first20_s=<s> filtered_s=<s>

The password is read from PGPASSWORD. Runs in the embedded engine of `opsrunbook run`.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Server,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $User,
    [Parameter(Mandatory)] [string] $Database,
    [Parameter(Mandatory)] [string] $EncryptionKey,
    [Parameter(Mandatory)] [string] $StorePath,
    [Parameter(Mandatory)] [string] $BigLog,
    [int] $Repeat = 3,
    [int] $Appends = 1000,
    [int] $Entries = 100000
)
#Requires -Modules OpsRunbooks
$ErrorActionPreference = 'Stop'
$password = ConvertTo-SecureString $env:PGPASSWORD -AsPlainText -Force
$credential = [pscredential]::new($User, $password)
$store = New-BackupStore -Path $StorePath

for ($i = 0; $i -lt $Repeat; $i++) {
    $record = Invoke-DatabaseBackup -Server $Server -Port $Port -Database $Database -Credential $credential -Store $store -EncryptionKey $EncryptionKey
    'BENCH-RESULT backup_s={0:0.000}' -f $record.Duration.TotalSeconds
}

# The module's core is loaded in a load context of its own: its types are reached through an entry's.
$entry = Get-OperationLog -First 1
$core = $entry.GetType().Assembly
$scratch = [Activator]::CreateInstance($core.GetType('OpsRunbooks.Journal.JournalFile'), @("$BigLog.append"))
$watch = [Diagnostics.Stopwatch]::StartNew()
for ($i = 0; $i -lt $Appends; $i++) { $scratch.Append($entry) }
$fileMs = $watch.Elapsed.TotalMilliseconds / $Appends

$target = [Activator]::CreateInstance($core.GetType('OpsRunbooks.Postgres.PostgresTarget'),
    @($Server, $Port, 'postgres', [Net.NetworkCredential]::new($User, $env:PGPASSWORD)))
$table = [Activator]::CreateInstance($core.GetType('OpsRunbooks.Journal.PostgresJournalTable'), @($target, 'bench_operation_logs'))
$table.AppendAsync($entry, [Threading.CancellationToken]::None).GetAwaiter().GetResult() # creates the table
$inserts = [Math]::Max(1, [int]($Appends / 5))
$watch.Restart()
for ($i = 0; $i -lt $inserts; $i++) {
    # The same entry each time: the table ignores an id it has, after the same work as for a new one (a session of
    # the pool, the lookup of the id, the insert attempt).
    $table.AppendAsync($entry, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
}
$tableMs = $watch.Elapsed.TotalMilliseconds / $inserts
'BENCH-RESULT file_append_ms={0:0.000} table_insert_ms={1:0.000}' -f $fileMs, $tableMs

$big = [Activator]::CreateInstance($core.GetType('OpsRunbooks.Journal.JournalFile'), @($BigLog))
for ($i = 0; $i -lt $Entries; $i++) { $big.Append($entry) }
$watch.Restart()
$count = (Get-OperationLog -Path $BigLog | Measure-Object).Count
$all = $watch.Elapsed.TotalSeconds
# Again, now that the reading code is compiled: what every later read in a session costs.
$watch.Restart()
$null = (Get-OperationLog -Path $BigLog | Measure-Object).Count
$allWarm = $watch.Elapsed.TotalSeconds
$watch.Restart()
$null = Get-OperationLog -Path $BigLog -First 20
$first = $watch.Elapsed.TotalSeconds
$watch.Restart()
$null = Get-OperationLog -Path $BigLog -Outcome Cancelled
$filtered = $watch.Elapsed.TotalSeconds
'BENCH-RESULT entries={0} all_s={1:0.000} all_warm_s={2:0.000} first20_s={3:0.000} filtered_s={4:0.000}' -f $count, $all, $allWarm, $first, $filtered
