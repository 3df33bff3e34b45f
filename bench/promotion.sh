#!/usr/bin/env bash
# Promotion benchmark: how long after the primary is gone a standby takes to become a primary that accepts
# writes, with Invoke-PostgresPromotion (through the `opsrunbook` runner) and with the seed's commands by hand,
# reported beside the seed's "wait 10-30 seconds".
#
# Each run starts a fresh PostgreSQL 15 primary (seed scale 1) and a streaming standby (tests/services/postgres.sh
# standby), commits a row on the primary, waits until the standby replayed it, stops the primary at once
# (pg_ctl -m immediate, as a crash), then measures one of, alternating:
#   - cmdlet:  Invoke-PostgresPromotion: its TimeToPromote and TimeToFirstWrite, and the runner's wall time
#              (which adds starting .NET and PowerShell and the checks before promoting);
#   - by hand: the seed's steps without the waiting: `pg_ctl promote -w`, then psql polling pg_is_in_recovery()
#              until false, then a psql INSERT; wall time from pg_ctl promote to the INSERT's end.
#
# Usage: bench/promotion.sh [--runs 5] [--configuration Release|Debug] [--no-build] [--output FILE]
# Results: bench/results/promotion-<YYYY-MM-DD>.md (Markdown), also printed on stdout; progress goes to stderr.
# Everything it starts (servers, temp dirs) is stopped and removed on exit, also on failure or Ctrl+C.
set -euo pipefail
export LC_ALL=C

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
readonly SCRIPT_NAME=promotion USAGE_LINES=14,14
# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"
readonly SERVICES="$repo_root/tests/services/postgres.sh"
readonly ONCE_SCRIPT="$repo_root/bench/promotion-once.ps1"
readonly COMMAND_LINE="bench/promotion.sh${*:+ $*}"

runs=5
configuration=Release
build=1
output=""
parse_options "runs configuration output" "$@"
[[ "$runs" =~ ^[1-9][0-9]?$ ]] || die "--runs must be from 1 to 99, got '$runs'"
[[ -n "$output" ]] || output="$repo_root/bench/results/promotion-$(date -u +%Y-%m-%d).md"

work="" shm_base="" pg_started=0

# The pair of the current run, stopped and removed by cleanup_extra (and before the next run).
pair_dirs=()
stop_pair() {
    local dir
    for dir in "${pair_dirs[@]}"; do
        "$SERVICES" stop "$dir" >/dev/null 2>&1 || log "warning: could not stop PostgreSQL in $dir"
        rm -rf -- "$dir"
    done
    pair_dirs=()
}
cleanup_extra() { stop_pair; }

# One setting (PGPORT, PGPASSWORD, PGDATA) of a cluster's connection.env.
read_env() { sed -n "s/^$2=//p" "$1/connection.env"; }

# Starts a fresh primary and standby in $work/run<N>, waits until the standby replayed a row written after it
# started, stops the primary; sets standby_port and password.
prepare_pair() {
    local n="$1" primary="$work/run$1-primary" standby="$work/run$1-standby"
    pair_dirs=("$standby" "$primary")
    "$SERVICES" start "$primary" >/dev/null 2>"$work/start.log" || { show_tail "$work/start.log" && die "primary did not start"; }
    "$SERVICES" standby "$standby" "$primary" >/dev/null 2>"$work/start.log" || { show_tail "$work/start.log" && die "standby did not start"; }
    password="$(read_env "$primary" PGPASSWORD)"
    local primary_port
    primary_port="$(read_env "$primary" PGPORT)"
    standby_port="$(read_env "$standby" PGPORT)"
    PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$primary_port" -U opsadmin -d postgres \
        -c "CREATE TABLE marker (run int); INSERT INTO marker VALUES ($n)"
    local deadline=$((SECONDS + 30))
    until [[ "$(PGPASSWORD="$password" psql -X -At -h 127.0.0.1 -p "$standby_port" -U opsadmin -d postgres \
        -c "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'" 2>/dev/null)" == 1 ]]; do
        ((SECONDS < deadline)) || die "the standby did not replay the marker within 30 s"
        sleep 0.1
    done
    "$SERVICES" stop "$primary" >/dev/null 2>&1
}

# Runs a command as the owner of a data directory (postgres.sh's system user when we are root), as pg_ctl requires.
as_data_owner() {
    local data="$1"
    shift
    if ((EUID == 0)); then runuser -u "$(stat -c %U "$data")" -- "$@"; else "$@"; fi
}

standby_psql() { PGPASSWORD="$password" psql -X -At -h 127.0.0.1 -p "$standby_port" -U opsadmin -d postgres "$@"; }

make_work_directories
install_cleanup
# Promotions are recorded in the operations log: keep the benchmark's out of the user's.
export OPSRUNBOOKS_JOURNAL_PATH="$work/operations.jsonl"
require_tools dotnet psql awk
build_runner_and_module

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
cmdlet_promote=() cmdlet_write=() cmdlet_wall=() hand_write=()
for ((i = 1; i <= runs; i++)); do
    prepare_pair "$i"
    started=$EPOCHREALTIME
    PGPASSWORD="$password" dotnet "$runner" run "$ONCE_SCRIPT" -Server 127.0.0.1 -Port "$standby_port" -User opsadmin \
        >"$work/runner.out" 2>"$work/runner.err" || { show_tail "$work/runner.err" && die "Invoke-PostgresPromotion failed"; }
    cmdlet_wall+=("$(elapsed "$started" "$EPOCHREALTIME")")
    line="$(grep -m 1 '^BENCH-RESULT ' "$work/runner.out")" || die "no result line from $ONCE_SCRIPT"
    [[ "$line" == *"promoted=True"* ]] || die "not promoted: $line"
    cmdlet_promote+=("$(sed -n 's/.*to_promote_s=\([0-9.]*\).*/\1/p' <<<"$line")")
    cmdlet_write+=("$(sed -n 's/.*to_first_write_s=\([0-9.]*\).*/\1/p' <<<"$line")")
    log "run $i/$runs cmdlet: promoted in ${cmdlet_promote[-1]} s, first write at ${cmdlet_write[-1]} s (runner ${cmdlet_wall[-1]} s)"
    stop_pair

    prepare_pair "$i"
    data="$(read_env "$work/run$i-standby" PGDATA)"
    started=$EPOCHREALTIME
    as_data_owner "$data" "$PG_BIN/pg_ctl" -D "$data" promote -w >/dev/null
    until [[ "$(standby_psql -c 'SELECT pg_is_in_recovery()')" == f ]]; do sleep 0.05; done
    standby_psql -q -c "CREATE TABLE health_check (message text); INSERT INTO health_check VALUES ('failover')"
    hand_write+=("$(elapsed "$started" "$EPOCHREALTIME")")
    log "run $i/$runs by hand: first write at ${hand_write[-1]} s"
    stop_pair
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# machine_facts asks a running server for its version: the last pair is gone, so start one briefly.
"$SERVICES" start "$work/facts" >/dev/null 2>&1 && pair_dirs=("$work/facts")
export PGHOST=127.0.0.1 PGUSER=opsadmin PGPORT PGPASSWORD
PGPORT="$(read_env "$work/facts" PGPORT)" PGPASSWORD="$(read_env "$work/facts" PGPASSWORD)"
machine_facts
stop_pair

range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f–%.3f", lo, hi }'; }
report="$(
    printf '# Promotion to first write: %s\n\n' "$(date -u +%Y-%m-%d)"
    printf 'Command: `%s`. %s runs each; a fresh primary and standby per run, the primary stopped with `pg_ctl -m immediate` first.\n\n' "$COMMAND_LINE" "$runs"
    printf '| measurement | median (s) | range (s) |\n| --- | --- | --- |\n'
    printf '| Invoke-PostgresPromotion: TimeToPromote (pg_promote until out of recovery) | %s | %s |\n' "$(median "${cmdlet_promote[@]}")" "$(range "${cmdlet_promote[@]}")"
    printf '| Invoke-PostgresPromotion: TimeToFirstWrite (until the write check is read back) | %s | %s |\n' "$(median "${cmdlet_write[@]}")" "$(range "${cmdlet_write[@]}")"
    printf '| the runner process, whole (.NET and PowerShell start, checks, promotion, write) | %s | %s |\n' "$(median "${cmdlet_wall[@]}")" "$(range "${cmdlet_wall[@]}")"
    printf '| by hand: `pg_ctl promote -w`, psql until `pg_is_in_recovery()` is false, psql INSERT | %s | %s |\n' "$(median "${hand_write[@]}")" "$(range "${hand_write[@]}")"
    printf '| the seed (001, Unplanned Failover step 7): "Wait 10-30 seconds, verify promotion" | 10–30 | |\n\n'
    printf 'Runs (cmdlet promote / first write / runner; by hand):\n\n'
    for ((i = 0; i < runs; i++)); do
        printf -- '- %s / %s / %s; %s\n' "${cmdlet_promote[i]}" "${cmdlet_write[i]}" "${cmdlet_wall[i]}" "${hand_write[i]}"
    done
    printf '\n'
    machine_section "$PG_BIN/postgres"
)"
write_report "$report"
