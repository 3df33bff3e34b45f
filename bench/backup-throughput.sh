#!/usr/bin/env bash
# Backup throughput benchmark: how much Invoke-DatabaseBackup (pg_dump → OpenPGP → SHA-256 → store,
# run through the `opsrunbook` runner) costs over a plain `pg_dump --format=custom`.
#
# For each seeded database (one per --scales entry) it measures, --repeat times, interleaved:
#   - raw:    `pg_dump --format=custom > /dev/null` (wall time)
#   - backup: `opsrunbook run bench/backup-once.ps1` into a fresh local store (on tmpfs when it fits):
#             the record's own Duration, the whole process' wall time (engine start, module import,
#             JIT included) and the runner's peak RSS (GNU time %M)
# and once, for reference, the shell pipe `pg_dump -Fc | gpg --encrypt --compress-algo none | sha256sum`.
# The same pg_dump binary is used everywhere (passed to the cmdlet with -PgDumpPath).
#
# Targets:
#   - backup Duration ≤ 1.05 × raw pg_dump (medians), for every database;
#   - peak RSS of the runner for the ~1 GB database within 1.2 × that of the ~100 MB one
#     (memory must not grow with the database: the backup streams).
#
# Usage: bench/backup-throughput.sh [--scales "8 80"] [--repeat 3] [--configuration Release|Debug]
#                                   [--no-build] [--output FILE]
# Results: bench/results/backup-throughput-<YYYY-MM-DD>.md (Markdown), also printed on stdout;
# progress goes to stderr. Everything it starts or creates (PostgreSQL, gpg-agent, temp dirs, stores)
# is stopped/removed on exit, also on failure or Ctrl+C. See bench/README.md.
set -euo pipefail
export LC_ALL=C # decimal points in $EPOCHREALTIME and awk, English tool messages

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
readonly PG_BIN="${OPSRUNBOOKS_PG_BIN:-/usr/lib/postgresql/15/bin}"
readonly BACKUP_SCRIPT="$repo_root/bench/backup-once.ps1"
readonly COMMAND_LINE="bench/backup-throughput.sh${*:+ $*}"

log() { printf 'backup-throughput: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
usage() {
    sed -n '18,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    cat >&2 <<'EOF'
  --scales "N ..."   seed scales, one database each (default "8 80": ~100 MB and ~1 GB; ~12 MB per unit + ~10 MB)
  --repeat R         timed runs per database for raw pg_dump and for the backup (default 3)
  --configuration C  build configuration of the runner and module (default Release)
  --no-build         do not build: use src/OpsRunbooks.Runner/bin/<C>/net10.0/opsrunbook.dll and the
                     module it finds by itself (out/OpsRunbooks, or $OPSRUNBOOKS_MODULE)
  --output FILE      results file (default bench/results/backup-throughput-<YYYY-MM-DD>.md)
EOF
    exit 2
}

scales="8 80"
repeat=3
configuration=Release
build=1
output=""
while (($#)); do
    case "$1" in
        --scales | --repeat | --configuration | --output)
            (($# >= 2)) || usage
            case "$1" in
                --scales) scales="$2" ;;
                --repeat) repeat="$2" ;;
                --configuration) configuration="$2" ;;
                --output) output="$2" ;;
            esac
            shift 2
            ;;
        --scales=*) scales="${1#*=}" && shift ;;
        --repeat=*) repeat="${1#*=}" && shift ;;
        --configuration=*) configuration="${1#*=}" && shift ;;
        --output=*) output="${1#*=}" && shift ;;
        --no-build) build=0 && shift ;;
        -h | --help) usage ;;
        *) usage ;;
    esac
done

read -r -a scale_list <<<"$scales"
((${#scale_list[@]} > 0)) || die "--scales is empty"
declare -A seen_scale=()
for scale in "${scale_list[@]}"; do
    [[ "$scale" =~ ^[1-9][0-9]{0,3}$ ]] || die "each scale must be an integer from 1 to 9999, got '$scale'"
    [[ -z "${seen_scale[$scale]:-}" ]] || die "scale $scale is given twice"
    seen_scale[$scale]=1
done
[[ "$repeat" =~ ^[1-9][0-9]{0,2}$ ]] || die "--repeat must be an integer from 1 to 999, got '$repeat'"
[[ "$configuration" =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad --configuration '$configuration'"
[[ -n "$output" ]] || output="$repo_root/bench/results/backup-throughput-$(date +%F).md"

for tool in dotnet gpg gpgconf sha256sum awk; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found: apt-get install time"
[[ -f "$BACKUP_SCRIPT" ]] || die "$BACKUP_SCRIPT not found"

# ---------------------------------------------------------------------------------------------
# Temp space and cleanup

work=""
shm_base=""
pg_started=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((pg_started)); then
        "$repo_root/tests/services/postgres.sh" stop "$work/pg" >/dev/null 2>&1 ||
            log "warning: could not stop PostgreSQL in $work/pg"
    fi
    if [[ -n "$work" && -d "$work/gnupg" ]]; then
        gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1 || true
    fi
    [[ -z "$shm_base" ]] || rm -rf -- "$shm_base"
    [[ -z "$work" ]] || rm -rf -- "$work"
    ((rc == 0)) || log "failed (exit $rc); cleaned up"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

work="$(mktemp -d /tmp/opsrunbooks-bench.XXXXXX)"
# postgres.sh runs the server as a system user when we are root: it must be able to reach $work/pg.
chmod 711 "$work"
if [[ -d /dev/shm && -w /dev/shm ]]; then
    shm_base="$(mktemp -d /dev/shm/opsrunbooks-bench.XXXXXX)"
fi

# Seconds between two $EPOCHREALTIME values.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# Median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit 1
        if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_of() { printf '%s\n' "$@" | sort -g | tail -n 1; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
show_tail() {
    log "---- last lines of $1 ----"
    tail -n 30 "$1" >&2 || true
}

# ---------------------------------------------------------------------------------------------
# Build

runner="$repo_root/src/OpsRunbooks.Runner/bin/$configuration/net10.0/opsrunbook.dll"
if ((build)); then
    # The module goes to a private folder instead of out/OpsRunbooks: the build of the module deletes
    # and re-creates its output folder, which others' test runs may be using at the same time.
    module_dir="$work/module/OpsRunbooks"
    log "building runner and module ($configuration)"
    for project in src/OpsRunbooks.Runner/OpsRunbooks.Runner.csproj src/OpsRunbooks.PowerShell/OpsRunbooks.PowerShell.csproj; do
        if ! dotnet build "$repo_root/$project" -c "$configuration" -nologo -v:q \
            "-p:ModuleOutputDirectory=$module_dir/" >"$work/build.log" 2>&1; then
            show_tail "$work/build.log"
            die "dotnet build $project failed"
        fi
    done
    export OPSRUNBOOKS_MODULE="$module_dir"
    module_used="$module_dir (built $configuration)"
else
    module_used="${OPSRUNBOOKS_MODULE:-found by the runner (out/OpsRunbooks)}"
fi
[[ -f "$runner" ]] || die "runner $runner not found (build it, or drop --no-build)"

# ---------------------------------------------------------------------------------------------
# PostgreSQL, gpg key

"$repo_root/tests/services/install.sh"

pg_dump="$PG_BIN/pg_dump"
[[ -x "$pg_dump" ]] || pg_dump="$(command -v pg_dump)" || die "pg_dump not found"

log "starting PostgreSQL"
pg_started=1
if ! "$repo_root/tests/services/postgres.sh" start "$work/pg" >/dev/null 2>"$work/pg-start.log"; then
    show_tail "$work/pg-start.log"
    die "could not start PostgreSQL"
fi
while IFS='=' read -r key value; do
    case "$key" in
        PGHOST | PGPORT | PGUSER | PGPASSWORD) export "$key=$value" ;;
        PGDATABASE) warmup_database="$value" ;;
        *) ;;
    esac
done <"$work/pg/connection.env"
unset PGDATABASE PGSERVICE PGPASSFILE

log "creating a gpg key"
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg_quiet=(gpg --batch --quiet --pinentry-mode loopback --passphrase '')
"${gpg_quiet[@]}" --quick-generate-key 'Bench <bench@localhost>' rsa3072 sign never 2>"$work/gpg.log" ||
    { show_tail "$work/gpg.log" && die "gpg key generation failed"; }
fingerprint="$(gpg --batch --with-colons --list-keys 'bench@localhost' 2>>"$work/gpg.log" | awk -F: '$1 == "fpr" { print $10; exit }')"
[[ -n "$fingerprint" ]] || die "could not read the gpg key's fingerprint"
"${gpg_quiet[@]}" --quick-add-key "$fingerprint" rsa3072 encr never 2>>"$work/gpg.log" ||
    { show_tail "$work/gpg.log" && die "gpg subkey generation failed"; }
key_file="$work/bench-public.asc"
gpg --batch --armor --export "$fingerprint" >"$key_file"

# ---------------------------------------------------------------------------------------------
# Measurements

raw_dump() {
    "$pg_dump" --format=custom --no-password --host "$PGHOST" --port "$PGPORT" \
        --username "$PGUSER" --dbname "$1"
}

# One backup through the runner into store directory $2. Sets backup_duration, backup_wall,
# backup_rss_kb, backup_dump_bytes, backup_stored_bytes.
run_backup() {
    local database="$1" store="$2" started finished line
    rm -rf -- "$store"
    started=$EPOCHREALTIME
    if ! /usr/bin/time -f '%M' -o "$work/time.out" \
        dotnet "$runner" run "$BACKUP_SCRIPT" -Server "$PGHOST" -Port "$PGPORT" -Database "$database" \
        -User "$PGUSER" -EncryptionKey "$key_file" -StorePath "$store" -PgDumpPath "$pg_dump" \
        >"$work/runner.out" 2>"$work/runner.err"; then
        finished=$EPOCHREALTIME
        rm -rf -- "$store"
        show_tail "$work/runner.out"
        show_tail "$work/runner.err"
        die "backup of $database through the runner failed"
    fi
    finished=$EPOCHREALTIME
    rm -rf -- "$store"
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

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# Untimed: brings the runtime, module and pg_dump into the page cache, so the first timed run of
# the first database does not pay for cold disk reads.
log "warm-up backup of $warmup_database"
run_backup "$warmup_database" "$(store_parent_for 0)/warmup"
raw_dump "$warmup_database" >/dev/null

rows=()
samples=()
raw_medians=()
duration_medians=()
rss_peaks=()
db_sizes=()
for scale in "${scale_list[@]}"; do
    database="bench_s$scale"
    log "seeding $database (scale $scale)"
    "$repo_root/bench/seed-database.sh" "$work/pg" "$database" "$scale" 2>>"$work/seed.log" ||
        { show_tail "$work/seed.log" && die "seeding $database failed"; }
    db_bytes="$(PGDATABASE="$database" psql -X -At -v ON_ERROR_STOP=1 -c 'SELECT pg_database_size(current_database())')"
    store_parent="$(store_parent_for "$db_bytes")"
    if [[ "$store_parent" == "$shm_base" ]]; then store_kind=tmpfs; else store_kind=disk; fi

    # Untimed: the freshly seeded tables into the page cache.
    raw_dump "$database" >/dev/null

    raw_times=()
    durations=()
    walls=()
    rss_kb=()
    for ((i = 1; i <= repeat; i++)); do
        started=$EPOCHREALTIME
        raw_dump "$database" >/dev/null
        raw_times+=("$(elapsed "$started" "$EPOCHREALTIME")")

        run_backup "$database" "$store_parent/store"
        durations+=("$backup_duration")
        walls+=("$backup_wall")
        rss_kb+=("$backup_rss_kb")
        log "$database run $i/$repeat: raw pg_dump ${raw_times[-1]} s, backup Duration $backup_duration s" \
            "(process $backup_wall s, peak RSS $((backup_rss_kb / 1024)) MB)"
    done

    started=$EPOCHREALTIME
    raw_dump "$database" |
        gpg --batch --quiet --trust-model always --compress-algo none --encrypt --recipient "$fingerprint" |
        sha256sum >/dev/null
    pipe_time="$(elapsed "$started" "$EPOCHREALTIME")"
    log "$database pipe pg_dump | gpg | sha256sum: $pipe_time s"

    raw_median="$(median "${raw_times[@]}")"
    duration_median="$(median "${durations[@]}")"
    wall_median="$(median "${walls[@]}")"
    rss_peak_kb="$(max_of "${rss_kb[@]}")"
    duration_medians+=("$duration_median")
    rss_peaks+=("$rss_peak_kb")
    db_sizes+=("$(mb "$db_bytes")")
    rows+=("| $database | $scale | $(mb "$db_bytes") | $(mb "$backup_dump_bytes") | $(mb "$backup_stored_bytes") | $raw_median | $duration_median | $(ratio "$duration_median" "$raw_median") | $wall_median | $pipe_time | $(mb $((rss_peak_kb * 1024))) |")
    samples+=("- $database (store on $store_kind): raw pg_dump ${raw_times[*]} s; backup Duration ${durations[*]} s; runner process ${walls[*]} s; peak RSS $(printf '%s ' "${rss_kb[@]}")KB")
    raw_medians+=("$raw_median")
done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# Report

cpu_model="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
[[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
mem_total="$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
server_version="$(PGDATABASE=postgres psql -X -At -c 'SHOW server_version')"
commit="$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$repo_root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    commit+=" (with uncommitted changes)"
fi

targets=()
for index in "${!rows[@]}"; do
    r="$(ratio "${duration_medians[$index]}" "${raw_medians[$index]}")"
    verdict="$(awk -v r="$r" 'BEGIN { print (r <= 1.05 ? "met" : "NOT met") }')"
    targets+=("- bench_s${scale_list[$index]}: backup/raw = $r (target ≤ 1.05): $verdict")
done
if ((${#scale_list[@]} >= 2)); then
    smallest=0 largest=0
    for index in "${!scale_list[@]}"; do
        if ((scale_list[index] < scale_list[smallest])); then smallest=$index; fi
        if ((scale_list[index] > scale_list[largest])); then largest=$index; fi
    done
    r="$(ratio "${rss_peaks[$largest]}" "${rss_peaks[$smallest]}")"
    verdict="$(awk -v r="$r" 'BEGIN { print (r <= 1.2 ? "met" : "NOT met") }')"
    targets+=("- peak RSS bench_s${scale_list[$largest]} (${db_sizes[$largest]} MB) / bench_s${scale_list[$smallest]} (${db_sizes[$smallest]} MB) = $r (target ≤ 1.2): $verdict")
else
    targets+=("- peak RSS growth: n/a (needs two scales)")
fi

report="$(
    cat <<EOF
# Backup throughput — $(date -u '+%Y-%m-%d %H:%M UTC')

Command: \`$COMMAND_LINE\` (repeat $repeat). MB = 2^20 bytes. Medians over the repeats; runs of raw
pg_dump and of the backup are interleaved. "Backup Duration" is the BackupRecord's Duration (the
cmdlet's own clock); "runner process" is the whole \`opsrunbook run\` process (engine start, module
import and JIT included). Peak RSS is GNU time's %M for the runner process (max over the repeats).
"pipe" is one run of \`pg_dump -Fc | gpg --encrypt --compress-algo none | sha256sum\`.

| Database | Scale | DB size MB | Dump MB | Stored MB | Raw pg_dump median s | Backup Duration median s | Ratio backup/raw | Runner process median s | Pipe s | Peak RSS MB (runner) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

## Targets

$(printf '%s\n' "${targets[@]}")

## Samples

$(printf '%s\n' "${samples[@]}")

## Machine

- CPU: $cpu_model; nproc $(nproc)
- Memory: $mem_total
- Load average (1/5/15 min): $load_start at start, $load_end at end
- Kernel: $(uname -sr)
- .NET SDK: $(dotnet --version); runner $configuration; module $module_used
- PostgreSQL server $server_version; $("$pg_dump" --version) ($pg_dump)
- $(gpg --version | head -n 1)
- Commit: $commit
EOF
)"

mkdir -p "$(dirname "$output")"
printf '%s\n' "$report" >"$output.tmp"
mv -f "$output.tmp" "$output"
printf '%s\n' "$report"
log "results written to $output"
