#Requires -Modules OpsRunbooks
# One measurement run of bench/queue-depth.sh, inside the opsrunbook runner: Get-QueueDepth of all queues,
# Get-QueueDepth of one queue, and `redis-cli LLEN` of one list, each -Repeat times interleaved after a warm-up.
# Prints one line per sample: BENCH-SAMPLE <kind> <milliseconds>.
param(
    [Parameter(Mandatory)] [string] $Redis,
    [Parameter(Mandatory)] [int] $Queues,
    [Parameter(Mandatory)] [int] $Repeat
)
$ErrorActionPreference = 'Stop'
$names = 1..$Queues | ForEach-Object { "q$_" }
$hostName, $port = $Redis -split ':'

function Measure-Milliseconds([scriptblock] $Work) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $null = & $Work
    $watch.Stop()
    $watch.Elapsed.TotalMilliseconds
}

# Warm-up: JIT, the module's first connection, the first redis-cli start.
foreach ($i in 1..3) {
    $null = Get-QueueDepth -Redis $Redis -Queue $names
    $null = redis-cli -h $hostName -p $port LLEN queues:q1
}
$all = Get-QueueDepth -Redis $Redis -Queue $names
if (@($all).Count -ne $Queues -or ($all | Measure-Object Pending -Sum).Sum -le 0) { throw "Get-QueueDepth did not read the $Queues queues" }

foreach ($i in 1..$Repeat) {
    'BENCH-SAMPLE all {0:0.000}' -f (Measure-Milliseconds { Get-QueueDepth -Redis $Redis -Queue $names })
    'BENCH-SAMPLE one {0:0.000}' -f (Measure-Milliseconds { Get-QueueDepth -Redis $Redis -Queue q1 })
    'BENCH-SAMPLE llen {0:0.000}' -f (Measure-Milliseconds { redis-cli -h $hostName -p $port LLEN queues:q1 })
}
