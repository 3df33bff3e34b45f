#!/usr/bin/env bash
# Health-check benchmark: Invoke-HealthCheck of 50 checks (30 HTTP endpoints, 10 of them slow, 5 TLS
# certificates, 10 PostgreSQL servers, 5 disks), run through the `opsrunbook` runner, against the wall time
# of its slowest single check (an endpoint that answers after 2 s) run alone. The target: the 50 checks
# together take at most 1.5 × the slowest one, because they run concurrently (ThrottleLimit 16).
#
# Usage: bench/health-check.sh [--repeat 3] [--configuration Release|Debug] [--no-build] [--output FILE]
# Results: bench/results/health-check-<YYYY-MM-DD>.md (Markdown), also printed on stdout; progress goes to
# stderr. Everything it starts (PostgreSQL, the endpoints) is stopped and its temp dirs removed on exit.
set -euo pipefail
export LC_ALL=C

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
readonly SCRIPT_NAME=health-check USAGE_LINES=7,7
# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"
readonly ONCE_SCRIPT="$repo_root/bench/health-check-once.ps1"
readonly COMMAND_LINE="bench/health-check.sh${*:+ $*}"
readonly SLOWEST_MS=2000

repeat=3
configuration=Release
build=1
output=""
parse_options "repeat configuration output" "$@"
[[ "$repeat" =~ ^[1-9][0-9]?$ ]] || die "--repeat must be 1 to 99"
output="${output:-$repo_root/bench/results/health-check-$(date -u +%Y-%m-%d).md}"
require_tools dotnet python3 openssl psql awk

work="" shm_base="" pg_started=0 endpoints_pid=""
cleanup_extra() {
    [[ -z "$endpoints_pid" ]] || kill "$endpoints_pid" 2>/dev/null || true
}
install_cleanup
make_work_directories
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
build_runner_and_module
start_postgres
machine_facts

log "starting the endpoints"
mkdir "$work/endpoints"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 90 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$work/endpoints/tls.key" -out "$work/endpoints/tls.crt" 2>"$work/openssl.log" ||
    { show_tail "$work/openssl.log" && die "openssl could not make the certificate"; }
python3 "$repo_root/bench/health-endpoints.py" "$work/endpoints" 2>"$work/endpoints.log" &
endpoints_pid=$!
for _ in $(seq 50); do [[ -f "$work/endpoints/ports.env" ]] && break; sleep 0.1; done
[[ -f "$work/endpoints/ports.env" ]] || { show_tail "$work/endpoints.log" && die "the endpoints did not start"; }
# shellcheck disable=SC1091
source "$work/endpoints/ports.env"

# The environment: 20 quick and 10 slow endpoints (200 ms to 2 s), 5 TLS checks, 10 PostgreSQL checks, 5 disks.
mkdir "$work/env"
export OPSRUNBOOKS_BENCH_PGPASSWORD="$PGPASSWORD"
{
    printf "@{\n    Name = 'bench'\n"
    printf "    DatabaseServers = @{ primary = @{ Host = '%s'; Port = %s; User = '%s'; Password = 'env:OPSRUNBOOKS_BENCH_PGPASSWORD' } }\n" "$PGHOST" "$PGPORT" "$PGUSER"
    printf "    Health = @{\n        ThrottleLimit = 16\n        Http = @(\n"
    for i in $(seq 20); do printf "            @{ Uri = 'http://127.0.0.1:%s/healthy?n=%s'; JsonProperty = 'status'; MaximumLatency = '00:00:05' }\n" "$HTTP_PORT" "$i"; done
    for i in $(seq 10); do printf "            @{ Uri = 'http://127.0.0.1:%s/slow/%s'; JsonProperty = 'status'; MaximumLatency = '00:00:05' }\n" "$HTTP_PORT" $((i * SLOWEST_MS / 10)); done
    printf "        )\n        Tls = @(\n"
    for _ in $(seq 5); do printf "            @{ HostName = 'localhost'; Port = %s; CertificateAuthority = '%s' }\n" "$TLS_PORT" "$work/endpoints/tls.crt"; done
    printf "        )\n        Postgres = @(\n"
    for _ in $(seq 10); do printf "            @{ Server = 'primary' }\n"; done
    printf "        )\n        Disk = @(\n"
    for path in / /tmp "$work" "$repo_root" /var; do printf "            @{ Path = '%s'; DegradedFreePercent = 0; UnhealthyFreePercent = 0 }\n" "$path"; done
    printf "        )\n    }\n}\n"
} >"$work/env/bench.psd1"

log "running $repeat rounds"
slowest_uri="http://127.0.0.1:$HTTP_PORT/slow/$SLOWEST_MS"
if ! dotnet "$runner" run "$ONCE_SCRIPT" -EnvironmentPath "$work/env" -Environment bench -SlowestUri "$slowest_uri" -Repeat "$repeat" \
    >"$work/once.out" 2>"$work/once.err"; then
    show_tail "$work/once.err"
    die "the benchmark script failed"
fi
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

singles=() alls=() rows=""
while read -r _ round single all checks healthy slowest; do
    single="${single#single_s=}" all="${all#all_s=}"
    singles+=("$single") alls+=("$all")
    rows+="| ${round#round=} | $single | $all | $(ratio "$all" "$single") | ${checks#checks=} | ${healthy#healthy=} | ${slowest#slowest_check_s=} |"$'\n'
done < <(grep '^BENCH-RESULT' "$work/once.out")
((${#alls[@]} == repeat)) || { show_tail "$work/once.out" && die "expected $repeat result lines"; }
single_median="$(median "${singles[@]}")"
all_median="$(median "${alls[@]}")"
verdict="$(awk -v r="$(ratio "$all_median" "$single_median")" 'BEGIN { print (r <= 1.5 ? "met" : "missed") }')"

report="$(
    printf '# Health checks: Invoke-HealthCheck of 50 checks against its slowest check\n\n'
    printf 'Command: `%s`, %s UTC\n\n' "$COMMAND_LINE" "$(date -u '+%Y-%m-%d %H:%M')"
    printf '50 checks, ThrottleLimit 16: 20 HTTP endpoints answering at once, 10 answering after 0.2 to 2 s, 5 TLS\n'
    printf 'certificates (Python ssl on 127.0.0.1), 10 PostgreSQL checks of one server, 5 disks. The slowest single\n'
    printf 'check is the endpoint that answers after 2 s, run alone with Test-HttpEndpoint. Each round runs the\n'
    printf 'single check, then Invoke-HealthCheck, in one `opsrunbook run` process (round 1 includes JIT).\n\n'
    printf '| round | slowest alone (s) | all 50 (s) | ratio | results | Healthy | longest result Duration (s) |\n'
    printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    printf '%s\n' "$rows"
    printf '**Median: all 50 in %s s against %s s for the slowest alone: %s × (target 1.5 ×: %s).**\n\n' \
        "$all_median" "$single_median" "$(ratio "$all_median" "$single_median")" "$verdict"
    printf 'Results that were not Healthy (the warnings of all rounds, counted):\n\n```\n%s\n```\n\n' \
        "$(grep -v '^BENCH-RESULT' "$work/once.err" | sed 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g; s/?n=[0-9]*//' | sort | uniq -c | sort -rn | head -n 20 |
            grep . || echo '(none)')"
    machine_section "$(command -v psql)" "Endpoints: Python $(python3 --version 2>&1 | cut -d' ' -f2) ThreadingHTTPServer"
)"
write_report "$report"
