#!/usr/bin/env bash
# Queue-depth benchmark: Get-QueueDepth of --queues Horizon queues (one pipelined round trip, connection
# included) against one `redis-cli LLEN` of one list (a process, its connection and one round trip: what
# the seed runbook runs), and against Get-QueueDepth of a single queue. Target: all queues within 2x of LLEN.
#
# It starts a throwaway Redis (tests/services/redis.sh), fills --queues lists queues:q<n> with 200 Horizon
# payloads each, runs bench/queue-depth-once.ps1 through the opsrunbook runner (--repeat samples of each,
# interleaved, after a warm-up) and reports the medians.
#
# Usage: bench/queue-depth.sh [--queues 50] [--repeat 30] [--configuration Debug|Release] [--output FILE]
# Needs a build (dotnet build OpsRunbooks.sln, or -c Release for --configuration Release).
# Results: bench/results/queue-depth-<YYYY-MM-DD>.md, also printed; progress goes to stderr. The Redis
# server and the temp directory are removed on exit, also on failure or Ctrl+C.
set -euo pipefail
export LC_ALL=C

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
queues=50
repeat=30
configuration=Debug
output="$repo_root/bench/results/queue-depth-$(date -u +%Y-%m-%d).md"

log() { printf 'queue-depth.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

while (($#)); do
    case "$1" in
        --queues) queues="$2"; shift 2 ;;
        --repeat) repeat="$2"; shift 2 ;;
        --configuration) configuration="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        *) sed -n '10,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
[[ "$queues" =~ ^[1-9][0-9]*$ && "$repeat" =~ ^[1-9][0-9]*$ ]] || die "--queues and --repeat must be whole numbers"

runner="$repo_root/src/OpsRunbooks.Runner/bin/$configuration/net10.0/opsrunbook.dll"
[[ -f "$runner" && -f "$repo_root/out/OpsRunbooks/OpsRunbooks.psd1" ]] ||
    die "no $configuration build: run 'dotnet build OpsRunbooks.sln -c $configuration' first"

work="$(mktemp -d /tmp/opsrunbooks-bench-queues.XXXXXX)"
cleanup() {
    "$repo_root/tests/services/redis.sh" stop "$work/redis" >/dev/null 2>&1 || log "warning: could not stop Redis in $work/redis"
    rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting Redis"
"$repo_root/tests/services/redis.sh" start "$work/redis" >"$work/redis.env"
port="$(sed -n 's/^REDIS_PORT=//p' "$work/redis.env")"
redis="127.0.0.1:$port"

log "filling $queues queues with 200 jobs each"
now="$(date +%s)"
for ((q = 1; q <= queues; q++)); do
    for ((j = 0; j < 200; j++)); do
        printf 'RPUSH queues:q%d "{\\"uuid\\":\\"%d-%d\\",\\"pushedAt\\":\\"%d.%03d\\"}"\n' \
            "$q" "$q" "$j" "$((now - 600 + j))" "$j"
    done
done | redis-cli -h 127.0.0.1 -p "$port" >/dev/null

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
log "measuring ($repeat samples each)"
OPSRUNBOOKS_MODULE="$repo_root/out/OpsRunbooks" dotnet "$runner" run "$repo_root/bench/queue-depth-once.ps1" \
    -Redis "$redis" -Queues "$queues" -Repeat "$repeat" >"$work/samples.txt" 2>"$work/runner.err" ||
    { tail -n 20 "$work/runner.err" >&2; die "the measurement run failed"; }
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

median() { grep "^BENCH-SAMPLE $1 " "$work/samples.txt" | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
all="$(median all)"
one="$(median one)"
llen="$(median llen)"
[[ -n "$all" && -n "$one" && -n "$llen" ]] || die "no samples in $work/samples.txt"
ratio="$(awk -v a="$all" -v b="$llen" 'BEGIN { printf "%.2f", a / b }')"
ratio_one="$(awk -v a="$all" -v b="$one" 'BEGIN { printf "%.2f", a / b }')"

mkdir -p "$(dirname "$output")"
{
    printf '# Queue depth: Get-QueueDepth of %d queues against one LLEN\n\n' "$queues"
    printf 'Medians of %d interleaved samples after a warm-up, in one `opsrunbook` process (engine and module\n' "$repeat"
    printf 'loaded once). Each Get-QueueDepth call connects, reads every queue (LLEN, the oldest payload, the\n'
    printf 'delayed and reserved zsets: 4 commands a queue, plus INFO memory) in one pipelined batch, and\n'
    printf 'disconnects. `redis-cli LLEN` is a process with its own connection and one round trip.\n\n'
    printf '| what | median ms |\n| --- | ---: |\n'
    printf '| Get-QueueDepth, %d queues | %s |\n' "$queues" "$all"
    printf '| Get-QueueDepth, 1 queue | %s |\n' "$one"
    printf '| redis-cli LLEN, 1 list | %s |\n\n' "$llen"
    printf '%d queues take %s × one `redis-cli LLEN` (target: within 2 ×) and %s × Get-QueueDepth of one queue.\n\n' "$queues" "$ratio" "$ratio_one"
    printf '## Machine\n\n'
    printf -- '- CPU: %s; nproc %s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)"
    printf -- '- Load average (1/5/15 min): %s at start, %s at end (the machine is shared)\n' "$load_start" "$load_end"
    printf -- '- %s; .NET SDK %s; %s build\n' "$(redis-server --version | cut -d' ' -f1-3)" "$(dotnet --version)" "$configuration"
    printf -- '- Commit: %s\n' "$(git -C "$repo_root" rev-parse --short HEAD)"
} >"$output"
cat "$output"
