#!/usr/bin/env bash
# Compares `Set-WorkerScale -Wait` on a Swarm target with `docker service scale` (which also waits for the
# service to converge) on the same service of the test worker, 1 -> 8 and 8 -> 1, and writes a Markdown report.
#
# Usage: bench/worker-scale.sh [--repeat N] [--configuration Debug|Release] [--out FILE]
#   --repeat N         rounds of each (default 3); each round scales up then down with each tool
#   --configuration C  the runner build to use (default Debug; build it first with dotnet build)
#   --out FILE         the report (default bench/results/worker-scale-<date>.md)
#
# Needs: tests/services/install.sh done, a built runner and module (out/OpsRunbooks), no other Swarm on the
# machine (docker.sh takes 127.0.0.1:2377). Starts its own dockerd and Redis under a temp folder and stops them.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
repeat=3
configuration=Debug
out="$repo_root/bench/results/worker-scale-$(date -u +%Y-%m-%d).md"
while (($#)); do
    case "$1" in
    --repeat) repeat="$2" && shift 2 ;;
    --configuration) configuration="$2" && shift 2 ;;
    --out) out="$2" && shift 2 ;;
    *) sed -n '5,9p' "$0" >&2 && exit 2 ;;
    esac
done

log() { printf 'worker-scale.sh: %s\n' "$*" >&2; }
runner="$repo_root/src/OpsRunbooks.Runner/bin/$configuration/net10.0/opsrunbook.dll"
[[ -f "$runner" ]] || { log "runner $runner not found: dotnet build OpsRunbooks.sln -c $configuration" && exit 1; }

work="$(mktemp -d /tmp/opsrunbooks-bench-scale.XXXXXX)"
cleanup() {
    bash "$repo_root/tests/services/docker.sh" stop "$work/docker" || true
    bash "$repo_root/tests/services/redis.sh" stop "$work/redis" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

eval "$(bash "$repo_root/tests/services/docker.sh" start "$work/docker" | sed 's/^/export /')"
eval "$(bash "$repo_root/tests/services/redis.sh" start "$work/redis" | sed 's/^/export /')"
service=bench-worker
docker service create --detach --quiet --name "$service" --replicas 1 --endpoint-mode dnsrr --network host \
    --stop-grace-period 10s --env "WORKER_REDIS=$REDIS_HOST:$REDIS_PORT" --env WORKER_QUEUE=bench "$WORKER_IMAGE" >/dev/null 2>&1
docker service scale "$service=1" >/dev/null 2>&1

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }

cli() {
    local start end
    start="$(now)"
    docker service scale "$service=$1" >/dev/null 2>&1
    end="$(now)"
    elapsed "$start" "$end"
}

cmdlet() {
    local line
    line="$(dotnet "$runner" run "$repo_root/bench/worker-scale-once.ps1" -Endpoint "$DOCKER_HOST" -Service "$service" -Replicas "$1" |
        grep '^BENCH-RESULT')" || { log "Set-WorkerScale to $1 failed" && exit 1; }
    sed -E 's/.*duration_s=([0-9.]+).*/\1/' <<<"$line"
}

declare -a cli_up cli_down ours_up ours_down
for ((i = 1; i <= repeat; i++)); do
    log "round $i of $repeat"
    cli_up+=("$(cli 8)")
    cli_down+=("$(cli 1)")
    ours_up+=("$(cmdlet 8)")
    ours_down+=("$(cmdlet 1)")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
mu="$(median "${ours_up[@]}")" cu="$(median "${cli_up[@]}")" md="$(median "${ours_down[@]}")" cd="$(median "${cli_down[@]}")"

mkdir -p "$(dirname "$out")"
cat >"$out" <<REPORT
# Worker scaling: Set-WorkerScale -Wait vs docker service scale ($(date -u +%Y-%m-%d))

Swarm service of the test worker (busybox image + tests/services/worker, host network, Redis on 127.0.0.1,
stop grace period 10 s) on a single-node Swarm (tests/services/docker.sh: vfs storage, no bridge).
Each round: \`docker service scale $service=8\`, then \`=1\` (the CLI waits until the service converges and
tasks are stable), then \`Set-WorkerScale -Wait\` to 8 and to 1 through the Swarm target (its ScaleResult
Duration: request to ready count, with the settle window of 3 s after a scale-up). Rounds: $repeat. Target: the cmdlet within
1.1 × the CLI.

| change | docker service scale median s | Set-WorkerScale -Wait median s | ratio |
| --- | --- | --- | --- |
| 1 → 8 | $cu | $mu | $(ratio "$mu" "$cu") |
| 8 → 1 | $cd | $md | $(ratio "$md" "$cd") |

Every run (s): CLI up ${cli_up[*]}; CLI down ${cli_down[*]}; cmdlet up ${ours_up[*]}; cmdlet down ${ours_down[*]}.

- Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); Docker $(docker version --format '{{.Server.Version}}'); runner $configuration.
REPORT
cat "$out"
