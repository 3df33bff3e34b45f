#!/usr/bin/env bash
# Backup throughput benchmark: how much Invoke-DatabaseBackup (pg_dump → OpenPGP → SHA-256 → store,
# run through the `opsrunbook` runner) costs over a plain `pg_dump --format=custom`, into a local
# store and into an S3 store on a local S3-compatible server (s3rver).
#
# For each seeded database (one per --scales entry) it measures, --repeat times, interleaved:
#   - raw:    `pg_dump --format=custom > /dev/null` (wall time)
#   - local:  `opsrunbook run bench/backup-once.ps1` into a fresh local store (on tmpfs when it fits)
#   - s3:     the same into s3rver on 127.0.0.1 (data on tmpfs when it fits), under a fresh prefix
# recording for each backup the record's own Duration, the whole process' wall time (engine start,
# module import, JIT included) and the runner's peak RSS (GNU time %M); and once, for reference, the
# shell pipe `pg_dump -Fc | gpg --encrypt --compress-algo none | sha256sum`.
# The same pg_dump binary is used everywhere (passed to the cmdlet with -PgDumpPath).
#
# Targets:
#   - local store: backup Duration ≤ 1.05 × raw pg_dump (medians), for every database
#     (S3: the ratios to raw pg_dump and to the local store are reported, without a target);
#   - for each store kind, peak RSS of the runner for the ~1 GB database within 1.2 × that of the
#     ~100 MB one (memory must not grow with the database: the backup streams).
#
# Usage: bench/backup-throughput.sh [--scales "8 80"] [--repeat 3] [--stores "local s3"]
#                                   [--configuration Release|Debug] [--no-build] [--output FILE]
#   --scales "N ..."   seed scales, one database each (default "8 80": ~100 MB and ~1 GB; ~12 MB per unit + ~10 MB)
#   --repeat R         timed runs per database for raw pg_dump and for each store's backup (default 3)
#   --stores "K ..."   store kinds to back up into: local, s3 (default "local s3")
#   --configuration C  build configuration of the runner and module (default Release)
#   --no-build         do not build: use src/OpsRunbooks.Runner/bin/<C>/net10.0/opsrunbook.dll and the
#                      module it finds by itself (out/OpsRunbooks, or $OPSRUNBOOKS_MODULE)
#   --output FILE      results file (default bench/results/backup-throughput-<YYYY-MM-DD>.md)
# Results: bench/results/backup-throughput-<YYYY-MM-DD>.md (Markdown), also printed on stdout;
# progress goes to stderr. Everything it starts or creates (PostgreSQL, s3rver, gpg-agent, temp dirs,
# stores) is stopped/removed on exit, also on failure or Ctrl+C. See bench/README.md.
set -euo pipefail
export LC_ALL=C # decimal points in $EPOCHREALTIME and awk, English tool messages

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
readonly SCRIPT_NAME=backup-throughput USAGE_LINES=21,29
# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"
readonly BACKUP_SCRIPT="$repo_root/bench/backup-once.ps1"
readonly S3RVER_SCRIPT="$repo_root/tests/services/s3/node_modules/s3rver/bin/s3rver.js"
readonly S3_BUCKET=opsrunbooks-bench
# s3rver's fixed development credentials; backup-once.ps1 reads them from the environment.
readonly S3_ACCESS_KEY=S3RVER S3_SECRET_KEY=S3RVER
readonly COMMAND_LINE="bench/backup-throughput.sh${*:+ $*}"

scales="8 80"
repeat=3
stores="local s3"
configuration=Release
build=1
output=""
parse_options "scales repeat stores configuration output" "$@"

read_scales
[[ "$repeat" =~ ^[1-9][0-9]{0,2}$ ]] || die "--repeat must be an integer from 1 to 999, got '$repeat'"
read -r -a requested_stores <<<"$stores"
((${#requested_stores[@]} > 0)) || die "--stores is empty"
declare -A wanted_store=()
for kind in "${requested_stores[@]}"; do
    case "$kind" in
        local | s3) wanted_store[$kind]=1 ;;
        *) die "each --stores entry must be local or s3, got '$kind'" ;;
    esac
done
# Always in this order within a repeat, whatever the order given: raw, local, s3.
store_kinds=()
for kind in local s3; do
    [[ -z "${wanted_store[$kind]:-}" ]] || store_kinds+=("$kind")
done
use_s3=0
[[ -z "${wanted_store[s3]:-}" ]] || use_s3=1
[[ "$configuration" =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad --configuration '$configuration'"
[[ -n "$output" ]] || output="$repo_root/bench/results/backup-throughput-$(date +%F).md"

require_tools dotnet gpg gpgconf sha256sum awk
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found: apt-get install time"
[[ -f "$BACKUP_SCRIPT" ]] || die "$BACKUP_SCRIPT not found"
if ((use_s3)); then
    command -v node >/dev/null || die "node not found (run tests/services/install.sh)"
fi

# ---------------------------------------------------------------------------------------------
# Temp space and cleanup

work=""
shm_base=""
pg_started=0
s3_pid=""
s3_data=""
stop_s3rver() {
    [[ -n "$s3_pid" ]] || return 0
    kill "$s3_pid" 2>/dev/null || true
    local waited
    for ((waited = 0; waited < 50; waited++)); do
        kill -0 "$s3_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$s3_pid" 2>/dev/null || true
    wait "$s3_pid" 2>/dev/null || true
    s3_pid=""
}
cleanup_extra() {
    stop_s3rver
    [[ -z "$s3_data" ]] || rm -rf -- "$s3_data"
}
install_cleanup

make_work_directories

# ---------------------------------------------------------------------------------------------
# Build

build_runner_and_module

# ---------------------------------------------------------------------------------------------
# PostgreSQL, gpg key

"$repo_root/tests/services/install.sh"

pg_dump="$PG_BIN/pg_dump"
[[ -x "$pg_dump" ]] || pg_dump="$(command -v pg_dump)" || die "pg_dump not found"

start_postgres
create_gpg_key

# ---------------------------------------------------------------------------------------------
# Measurements

raw_dump() {
    "$pg_dump" --format=custom --no-password --host "$PGHOST" --port "$PGPORT" \
        --username "$PGUSER" --dbname "$1"
}

# Deletes everything uploaded under S3 prefix $1, and any multipart upload s3rver still keeps, so the
# server's data directory holds nothing between runs.
delete_s3_prefix() {
    rm -rf -- "${s3_data:?}/$S3_BUCKET/$1" "$s3_data/$S3_BUCKET/._S3rver_uploads"
}

s3_run=0
# One backup through the runner. $2 is the store kind: local (into the store directory $3) or s3
# (under a fresh prefix in s3rver's bucket). Sets backup_duration, backup_wall, backup_rss_kb,
# backup_dump_bytes, backup_stored_bytes, and for s3 s3_object_bytes (the artifact's size as s3rver
# stored it).
run_backup() {
    local database="$1" kind="$2" store="${3:-}" started finished line target=() object
    case "$kind" in
        local)
            rm -rf -- "$store"
            target=(-StorePath "$store")
            ;;
        s3)
            store="run-$((++s3_run))"
            delete_s3_prefix "$store"
            target=(-S3Bucket "$S3_BUCKET" -S3Endpoint "$s3_endpoint" -S3Prefix "$store" -DisableChunkEncoding)
            ;;
        *) die "unknown store kind $kind" ;;
    esac
    started=$EPOCHREALTIME
    if ! /usr/bin/time -f '%M' -o "$work/time.out" \
        dotnet "$runner" run "$BACKUP_SCRIPT" -Server "$PGHOST" -Port "$PGPORT" -Database "$database" \
        -User "$PGUSER" -EncryptionKey "$key_file" -PgDumpPath "$pg_dump" "${target[@]}" \
        >"$work/runner.out" 2>"$work/runner.err"; then
        finished=$EPOCHREALTIME
        if [[ "$kind" == s3 ]]; then delete_s3_prefix "$store"; else rm -rf -- "$store"; fi
        show_tail "$work/runner.out"
        show_tail "$work/runner.err"
        die "backup of $database into the $kind store through the runner failed"
    fi
    finished=$EPOCHREALTIME
    if [[ "$kind" == s3 ]]; then
        # The artifact as the server stored it: its size must be what the cmdlet says it stored.
        object="$(find "$s3_data/$S3_BUCKET/$store" -type f -name '*._S3rver_object' ! -name '*.manifest.json._S3rver_object' -print -quit 2>/dev/null)"
        s3_object_bytes="$( [[ -n "$object" ]] && stat -c %s "$object" || echo missing)"
        delete_s3_prefix "$store"
    else
        rm -rf -- "$store"
    fi
    backup_wall="$(elapsed "$started" "$finished")"
    backup_rss_kb="$(tail -n 1 "$work/time.out")"
    line="$(grep -m 1 '^BENCH-RESULT ' "$work/runner.out" || true)"
    # The RSS check comes first: the result line's match must be the last one, for BASH_REMATCH.
    if [[ ! "$backup_rss_kb" =~ ^[0-9]+$ ]] ||
        [[ ! "$line" =~ duration_s=([0-9.]+)\ dump_bytes=([0-9]+)\ stored_bytes=([0-9]+) ]]; then
        show_tail "$work/runner.out"
        show_tail "$work/time.out"
        die "no result line from $BACKUP_SCRIPT"
    fi
    backup_duration="${BASH_REMATCH[1]}"
    backup_dump_bytes="${BASH_REMATCH[2]}"
    backup_stored_bytes="${BASH_REMATCH[3]}"
    if [[ "$kind" == s3 && "$s3_object_bytes" != "$backup_stored_bytes" ]]; then
        log "warning: s3rver holds $s3_object_bytes bytes for the artifact of $database, the record says $backup_stored_bytes"
        s3_mismatches+=("$database ($store): s3rver object $s3_object_bytes bytes, record StoredBytes $backup_stored_bytes")
    fi
}

# Where a database's stores go: tmpfs when it has room for a dump the size of the whole database
# plus 512 MB, so the disk does not weigh on the backup; else the temp dir on disk.
store_parent_for() {
    local db_bytes="$1" available
    if [[ -n "$shm_base" ]]; then
        available="$(df --output=avail -B1 "$shm_base" | tail -n 1 | tr -d ' ')"
        if [[ "$available" =~ ^[0-9]+$ ]] && ((available > db_bytes + 536870912)); then
            printf '%s' "$shm_base"
            return
        fi
    fi
    mkdir -p "$work/stores"
    printf '%s' "$work/stores"
}

# Starts s3rver on 127.0.0.1 on a free port with bucket $S3_BUCKET; its data goes to tmpfs when there
# is room for twice the largest database plus 512 MB (s3rver keeps the parts of a multipart upload
# until it has concatenated them into the object), else to the temp dir on disk. Sizes are estimated
# from the scales (~12 MB per unit + ~10 MB), as s3rver starts before the databases are seeded.
s3_endpoint=""
s3_location=""
start_s3rver() {
    local max_scale=0 estimate available attempt port waited
    for scale in "${scale_list[@]}"; do
        if ((scale > max_scale)); then max_scale=$scale; fi
    done
    estimate=$(((max_scale * 12 + 10) * 1048576))
    s3_location=disk
    if [[ -n "$shm_base" ]]; then
        available="$(df --output=avail -B1 "$shm_base" | tail -n 1 | tr -d ' ')"
        if [[ "$available" =~ ^[0-9]+$ ]] && ((available > 2 * estimate + 536870912)); then
            s3_location=tmpfs
        fi
    fi
    if [[ "$s3_location" == tmpfs ]]; then s3_data="$shm_base/s3"; else s3_data="$work/s3"; fi
    mkdir -p "$s3_data"
    # The port is free when asked for; should another process take it before s3rver binds, s3rver
    # exits and the next attempt asks again.
    for ((attempt = 1; attempt <= 5; attempt++)); do
        port="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
        [[ "$port" =~ ^[0-9]+$ ]] || die "could not find a free port for s3rver"
        node "$S3RVER_SCRIPT" --directory "$s3_data" --address 127.0.0.1 --port "$port" --silent \
            --configure-bucket "$S3_BUCKET" >"$work/s3rver.log" 2>&1 &
        s3_pid=$!
        for ((waited = 0; waited < 300; waited++)); do
            kill -0 "$s3_pid" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                s3_endpoint="http://127.0.0.1:$port"
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$s3_pid" 2>/dev/null; then
            stop_s3rver
            die "s3rver did not listen on 127.0.0.1:$port within 30 s"
        fi
        wait "$s3_pid" 2>/dev/null || true
        s3_pid=""
        log "s3rver exited while starting on port $port (attempt $attempt)"
    done
    show_tail "$work/s3rver.log"
    die "could not start s3rver"
}

if ((use_s3)); then
    [[ -f "$S3RVER_SCRIPT" ]] || die "s3rver not found at $S3RVER_SCRIPT (run tests/services/install.sh)"
    log "starting s3rver"
    start_s3rver
    export OPSRUNBOOKS_BENCH_S3_ACCESS_KEY="$S3_ACCESS_KEY" OPSRUNBOOKS_BENCH_S3_SECRET_KEY="$S3_SECRET_KEY"
    log "s3rver at $s3_endpoint, data on $s3_location ($s3_data)"
fi

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

s3_mismatches=()
# Untimed: brings the runtime, module, AWS SDK and pg_dump into the page cache, so the first timed
# run of the first database does not pay for cold disk reads.
for kind in "${store_kinds[@]}"; do
    log "warm-up backup of $warmup_database ($kind store)"
    run_backup "$warmup_database" "$kind" "$(store_parent_for 0)/warmup"
done
raw_dump "$warmup_database" >/dev/null

rows=()
samples=()
raw_medians=()
db_sizes=()
# Keyed "<store kind>:<index in scale_list>".
declare -A duration_medians=() rss_peaks=()
for index in "${!scale_list[@]}"; do
    scale="${scale_list[$index]}"
    database="bench_s$scale"
    log "seeding $database (scale $scale)"
    "$repo_root/bench/seed-database.sh" "$work/pg" "$database" "$scale" 2>>"$work/seed.log" ||
        { show_tail "$work/seed.log" && die "seeding $database failed"; }
    db_bytes="$(PGDATABASE="$database" psql -X -At -v ON_ERROR_STOP=1 -c 'SELECT pg_database_size(current_database())')"
    store_parent="$(store_parent_for "$db_bytes")"
    if [[ "$store_parent" == "$shm_base" ]]; then local_location=tmpfs; else local_location=disk; fi

    # Untimed: the freshly seeded tables into the page cache.
    raw_dump "$database" >/dev/null

    raw_times=()
    declare -A durations=() walls=() rss_kb=() dump_bytes=() stored_bytes=()
    for ((i = 1; i <= repeat; i++)); do
        started=$EPOCHREALTIME
        raw_dump "$database" >/dev/null
        raw_times+=("$(elapsed "$started" "$EPOCHREALTIME")")
        progress="$database run $i/$repeat: raw pg_dump ${raw_times[-1]} s"

        for kind in "${store_kinds[@]}"; do
            run_backup "$database" "$kind" "$store_parent/store"
            durations[$kind]+="$backup_duration "
            walls[$kind]+="$backup_wall "
            rss_kb[$kind]+="$backup_rss_kb "
            dump_bytes[$kind]="$backup_dump_bytes"
            stored_bytes[$kind]="$backup_stored_bytes"
            progress+="; $kind Duration $backup_duration s (process $backup_wall s, peak RSS $((backup_rss_kb / 1024)) MB)"
        done
        log "$progress"
    done

    started=$EPOCHREALTIME
    raw_dump "$database" |
        gpg --batch --quiet --trust-model always --compress-algo none --encrypt --recipient "$fingerprint" |
        sha256sum >/dev/null
    pipe_time="$(elapsed "$started" "$EPOCHREALTIME")"
    log "$database pipe pg_dump | gpg | sha256sum: $pipe_time s"

    raw_median="$(median "${raw_times[@]}")"
    raw_medians+=("$raw_median")
    db_sizes+=("$(mb "$db_bytes")")
    samples+=("- $database: raw pg_dump ${raw_times[*]} s; pipe $pipe_time s")
    for kind in "${store_kinds[@]}"; do
        read -r -a kind_durations <<<"${durations[$kind]}"
        read -r -a kind_walls <<<"${walls[$kind]}"
        read -r -a kind_rss <<<"${rss_kb[$kind]}"
        duration_median="$(median "${kind_durations[@]}")"
        wall_median="$(median "${kind_walls[@]}")"
        rss_peak_kb="$(max_of "${kind_rss[@]}")"
        duration_medians[$kind:$index]="$duration_median"
        rss_peaks[$kind:$index]="$rss_peak_kb"
        rows+=("| $database | $kind | $scale | $(mb "$db_bytes") | $(mb "${dump_bytes[$kind]}") | $(mb "${stored_bytes[$kind]}") | $raw_median | $duration_median | $(ratio "$duration_median" "$raw_median") | $wall_median | $pipe_time | $(mb $((rss_peak_kb * 1024))) |")
        if [[ "$kind" == local ]]; then
            where="store on $local_location"
        else
            where="s3rver data on $s3_location"
        fi
        samples+=("  - $kind ($where): backup Duration ${kind_durations[*]} s; runner process ${kind_walls[*]} s; peak RSS ${kind_rss[*]} KB")
    done
    unset durations walls rss_kb dump_bytes stored_bytes
done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# s3rver's own high-water mark over the whole run (it is not a child of the runner, so not in %M).
s3rver_note=""
if ((use_s3)); then
    s3rver_version="$(node -p 'require(process.argv[1]).version' "$(dirname "$S3RVER_SCRIPT")/../package.json" 2>/dev/null || echo unknown)"
    s3rver_hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$s3_pid/status" 2>/dev/null || true)"
    s3rver_note="S3 server: s3rver $s3rver_version on node $(node --version), 127.0.0.1, data on $s3_location"
    s3rver_note+="; store parts of 16 MiB, 4 uploaded at a time, plain bodies (-DisableChunkEncoding)"
    [[ -z "$s3rver_hwm_kb" ]] || s3rver_note+="; s3rver's own peak RSS over the run $(mb $((s3rver_hwm_kb * 1024))) MB"
fi

# ---------------------------------------------------------------------------------------------
# Report

machine_facts

verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "n/a" && r <= t ? "met" : "NOT met") }'; }

targets=()
for index in "${!scale_list[@]}"; do
    database="bench_s${scale_list[$index]}"
    for kind in "${store_kinds[@]}"; do
        r="$(ratio "${duration_medians[$kind:$index]}" "${raw_medians[$index]}")"
        if [[ "$kind" == local ]]; then
            targets+=("- $database, local store: backup/raw = $r (target ≤ 1.05): $(verdict "$r" 1.05)")
        elif [[ -n "${duration_medians[local:$index]:-}" ]]; then
            targets+=("- $database, S3 store: backup/raw = $r; S3/local = $(ratio "${duration_medians[$kind:$index]}" "${duration_medians[local:$index]}") (reported, no target)")
        else
            targets+=("- $database, S3 store: backup/raw = $r (reported, no target)")
        fi
    done
done
if ((${#scale_list[@]} >= 2)); then
    smallest=0 largest=0
    for index in "${!scale_list[@]}"; do
        if ((scale_list[index] < scale_list[smallest])); then smallest=$index; fi
        if ((scale_list[index] > scale_list[largest])); then largest=$index; fi
    done
    for kind in "${store_kinds[@]}"; do
        r="$(ratio "${rss_peaks[$kind:$largest]}" "${rss_peaks[$kind:$smallest]}")"
        targets+=("- $kind store: peak RSS bench_s${scale_list[$largest]} (${db_sizes[$largest]} MB) / bench_s${scale_list[$smallest]} (${db_sizes[$smallest]} MB) = $r (target ≤ 1.2): $(verdict "$r" 1.2)")
    done
else
    targets+=("- peak RSS growth: n/a (needs two scales)")
fi
for mismatch in "${s3_mismatches[@]}"; do
    targets+=("- WARNING: $mismatch")
done

report="$(
    cat <<EOF
# Backup throughput — $(date -u '+%Y-%m-%d %H:%M UTC')

Command: \`$COMMAND_LINE\` (repeat $repeat; stores: ${store_kinds[*]}). MB = 2^20 bytes. Medians over
the repeats; within each repeat, raw pg_dump and the backup into each store run one after the other.
"Backup Duration" is the BackupRecord's Duration (the cmdlet's own clock); "runner process" is the
whole \`opsrunbook run\` process (engine start, module import and JIT included). Peak RSS is GNU
time's %M for the runner process (max over the repeats). "Store" local is a directory store, s3 an S3
store on a local s3rver. Raw pg_dump and "pipe" are per database, repeated on each of its rows;
"pipe" is one run of \`pg_dump -Fc | gpg --encrypt --compress-algo none | sha256sum\`.

| Database | Store | Scale | DB size MB | Dump MB | Stored MB | Raw pg_dump median s | Backup Duration median s | Ratio backup/raw | Runner process median s | Pipe s | Peak RSS MB (runner) |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

## Targets

$(printf '%s\n' "${targets[@]}")

## Samples

$(printf '%s\n' "${samples[@]}")

$(machine_section "$pg_dump" "$(gpg --version | head -n 1)" ${s3rver_note:+"$s3rver_note"})
EOF
)"

write_report "$report"
