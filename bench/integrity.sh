#!/usr/bin/env bash
# Integrity-test benchmark: what Test-BackupIntegrity (run through the `opsrunbook` runner) costs over
# the plain tools doing the same work by hand, on a backup in a local store.
#
# For each seeded database (one per --scales entry) it makes one backup into a local store (on tmpfs
# when it fits), decrypts its artifact once with `gpg --decrypt` to a file beside it, then measures,
# --repeat times, interleaved:
#   - sha256sum:  `sha256sum <artifact>` (wall time)
#   - checksum:   Test-BackupIntegrity without a key (manifest + checksum, streamed from the store): the
#                 Checksum check's own Duration, and the runner process' wall time
#   - raw restore: `pg_restore --no-owner --no-privileges -d <fresh db> <decrypted dump>` (wall time;
#                 the fresh database is created before the clock starts and dropped after)
#   - restore test: Test-BackupIntegrity -DecryptionKey -RestoreTest: the report's RestoreDuration
#                 (creating the scratch database, then decryption streamed into pg_restore, to its end)
#                 and its whole Duration (which adds the checksum/decrypt/pg_restore --list pass, row
#                 counts and the drop)
# The same pg_restore binary is used everywhere (passed to the cmdlet with -PgRestorePath).
#
# Usage: bench/integrity.sh [--scales "8 80"] [--repeat 3] [--configuration Release|Debug] [--no-build] [--output FILE]
#   --scales "N ..."   seed scales, one database each (default "8 80": ~100 MB and ~1 GB)
#   --repeat R         timed runs per database of each measurement (default 3)
#   --configuration C  build configuration of the runner and module (default Release)
#   --no-build         do not build: use src/OpsRunbooks.Runner/bin/<C>/net10.0/opsrunbook.dll and the
#                      module it finds by itself (out/OpsRunbooks, or $OPSRUNBOOKS_MODULE)
#   --output FILE      results file (default bench/results/integrity-<YYYY-MM-DD>.md)
# Results: bench/results/integrity-<YYYY-MM-DD>.md (Markdown), also printed on stdout; progress goes to
# stderr. Everything it starts or creates (PostgreSQL, gpg-agent, temp dirs, stores, dumps) is
# stopped/removed on exit, also on failure or Ctrl+C. See bench/README.md.
set -euo pipefail
export LC_ALL=C # decimal points in $EPOCHREALTIME and awk, English tool messages

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
readonly SCRIPT_NAME=integrity USAGE_LINES=19,25
# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"
readonly BACKUP_SCRIPT="$repo_root/bench/backup-once.ps1"
readonly INTEGRITY_SCRIPT="$repo_root/bench/integrity-once.ps1"
readonly COMMAND_LINE="bench/integrity.sh${*:+ $*}"

scales="8 80"
repeat=3
configuration=Release
build=1
output=""
parse_options "scales repeat configuration output" "$@"

read_scales
[[ "$repeat" =~ ^[1-9][0-9]{0,2}$ ]] || die "--repeat must be an integer from 1 to 999, got '$repeat'"
[[ "$configuration" =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad --configuration '$configuration'"
[[ -n "$output" ]] || output="$repo_root/bench/results/integrity-$(date +%F).md"
require_tools dotnet gpg gpgconf sha256sum awk

# ---------------------------------------------------------------------------------------------
# Temp space and cleanup

work=""
shm_base=""
pg_started=0
install_cleanup

make_work_directories

# ---------------------------------------------------------------------------------------------
# Build, PostgreSQL, gpg key

build_runner_and_module

"$repo_root/tests/services/install.sh"

pg_restore="$PG_BIN/pg_restore"
[[ -x "$pg_restore" ]] || pg_restore="$(command -v pg_restore)" || die "pg_restore not found"
pg_dump="$(dirname "$pg_restore")/pg_dump"
[[ -x "$pg_dump" ]] || pg_dump="$(command -v pg_dump)" || die "pg_dump not found"

start_postgres
create_gpg_key

# ---------------------------------------------------------------------------------------------
# Measurements

# Runs integrity-once.ps1 through the runner; sets check_passed, check_duration, check_checksum,
# check_restore, check_wall.
run_integrity() {
    local started finished line
    started=$EPOCHREALTIME
    if ! dotnet "$runner" run "$INTEGRITY_SCRIPT" -StorePath "$store" -Database "$database" -PgRestorePath "$pg_restore" "$@" \
        >"$work/runner.out" 2>"$work/runner.err"; then
        show_tail "$work/runner.out"
        show_tail "$work/runner.err"
        die "Test-BackupIntegrity of $database through the runner failed"
    fi
    finished=$EPOCHREALTIME
    check_wall="$(elapsed "$started" "$finished")"
    line="$(grep -m 1 '^BENCH-RESULT ' "$work/runner.out" || true)"
    [[ "$line" =~ passed=True\ duration_s=([0-9.]+)\ checksum_s=([0-9.]+)\ restore_s=([0-9.]+|none) ]] ||
        { show_tail "$work/runner.out" && die "no result line from $INTEGRITY_SCRIPT"; }
    check_duration="${BASH_REMATCH[1]}"
    check_checksum="${BASH_REMATCH[2]}"
    check_restore="${BASH_REMATCH[3]}"
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
samples=()
for scale in "${scale_list[@]}"; do
    database="bench_s$scale"
    log "seeding $database (scale $scale)"
    "$repo_root/bench/seed-database.sh" "$work/pg" "$database" "$scale" 2>>"$work/seed.log" ||
        { show_tail "$work/seed.log" && die "seeding $database failed"; }
    db_bytes="$(PGDATABASE="$database" psql -X -At -v ON_ERROR_STOP=1 -c 'SELECT pg_database_size(current_database())')"

    # The store and the decrypted dump on tmpfs when both fit (with 512 MB to spare), else on disk.
    parent="$work"
    location=disk
    if [[ -n "$shm_base" ]]; then
        available="$(df --output=avail -B1 "$shm_base" | tail -n 1 | tr -d ' ')"
        if [[ "$available" =~ ^[0-9]+$ ]] && ((available > 2 * db_bytes + 536870912)); then
            parent="$shm_base"
            location=tmpfs
        fi
    fi
    store="$parent/store-$database"
    log "backing up $database into $store"
    dotnet "$runner" run "$BACKUP_SCRIPT" -Server "$PGHOST" -Port "$PGPORT" -Database "$database" -User "$PGUSER" \
        -EncryptionKey "$key_file" -PgDumpPath "$pg_dump" -StorePath "$store" >"$work/runner.out" 2>"$work/runner.err" ||
        { show_tail "$work/runner.err" && die "backup of $database failed"; }
    artifact="$(find "$store" -name '*.dump.pgp' -print -quit)"
    [[ -n "$artifact" ]] || die "no artifact in $store"
    stored_bytes="$(stat -c %s "$artifact")"

    dump="$parent/$database.dump"
    started=$EPOCHREALTIME
    gpg --batch --quiet --output "$dump" --decrypt "$artifact" 2>>"$work/gpg.log" || die "gpg --decrypt of $artifact failed"
    decrypt_time="$(elapsed "$started" "$EPOCHREALTIME")"
    dump_bytes="$(stat -c %s "$dump")"

    # Untimed warm-ups: the artifact, runtime, module and pg_restore into the page cache.
    sha256sum "$artifact" >/dev/null
    run_integrity

    sha_times=() checksum_times=() checksum_walls=() raw_restores=() restore_times=() test_durations=()
    for ((i = 1; i <= repeat; i++)); do
        started=$EPOCHREALTIME
        sha256sum "$artifact" >/dev/null
        sha_times+=("$(elapsed "$started" "$EPOCHREALTIME")")

        run_integrity
        checksum_times+=("$check_checksum")
        checksum_walls+=("$check_wall")

        raw_db="raw_restore_$i"
        PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $raw_db" -c "CREATE DATABASE $raw_db" >/dev/null
        started=$EPOCHREALTIME
        "$pg_restore" --no-owner --no-privileges --exit-on-error -d "$raw_db" "$dump" 2>"$work/pg_restore.err" ||
            { show_tail "$work/pg_restore.err" && die "raw pg_restore of $database failed"; }
        raw_restores+=("$(elapsed "$started" "$EPOCHREALTIME")")
        PGDATABASE=postgres psql -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE $raw_db" >/dev/null

        run_integrity -DecryptionKey "$secret_key_file" -RestoreTest -Server "$PGHOST" -Port "$PGPORT" -User "$PGUSER"
        restore_times+=("$check_restore")
        test_durations+=("$check_duration")
        log "$database run $i/$repeat: sha256sum ${sha_times[-1]} s, Checksum ${checksum_times[-1]} s (runner ${checksum_walls[-1]} s); raw pg_restore ${raw_restores[-1]} s, RestoreDuration ${restore_times[-1]} s (whole test ${test_durations[-1]} s)"
    done
    rm -rf -- "$store" "$dump"

    sha_median="$(median "${sha_times[@]}")"
    checksum_median="$(median "${checksum_times[@]}")"
    wall_median="$(median "${checksum_walls[@]}")"
    raw_median="$(median "${raw_restores[@]}")"
    restore_median="$(median "${restore_times[@]}")"
    test_median="$(median "${test_durations[@]}")"
    raw_with_decrypt="$(awk -v a="$raw_median" -v b="$decrypt_time" 'BEGIN { printf "%.3f", a + b }')"
    rows+=("| $database | $(mb "$db_bytes") | $(mb "$stored_bytes") | $(mb "$dump_bytes") | $sha_median | $checksum_median | $(ratio "$checksum_median" "$sha_median") | $wall_median | $raw_median | $decrypt_time | $restore_median | $(ratio "$restore_median" "$raw_median") | $(ratio "$restore_median" "$raw_with_decrypt") | $test_median |")
    samples+=("- $database (store and dump on $location): sha256sum ${sha_times[*]} s; Checksum ${checksum_times[*]} s; runner ${checksum_walls[*]} s; raw pg_restore ${raw_restores[*]} s; RestoreDuration ${restore_times[*]} s; whole restore test ${test_durations[*]} s")
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# Report

machine_facts

report="$(
    cat <<EOF2
# Integrity test — $(date -u '+%Y-%m-%d %H:%M UTC')

Command: \`$COMMAND_LINE\` (repeat $repeat). MB = 2^20 bytes. Medians over the repeats, which run
interleaved. One backup per database in a local store.

- "sha256sum" is \`sha256sum <artifact>\`; "Checksum" the Checksum check's Duration of
  \`Test-BackupIntegrity\` without a key (the stored bytes streamed from the store and hashed); "runner"
  the whole \`opsrunbook run\` process for it (engine start, module import, JIT, manifest included).
- "raw pg_restore" is \`pg_restore --no-owner --no-privileges -d <fresh db> <dump>\` of the dump that
  \`gpg --decrypt\` wrote to a file beforehand ("gpg --decrypt", timed once); "RestoreDuration" is the
  report's restore time of \`Test-BackupIntegrity -RestoreTest\`: creating the scratch database, then
  the artifact streamed from the store through decryption into pg_restore, to its end. "Whole test" is
  that report's Duration (adding the checksum/decryption/\`pg_restore --list\` pass, the row counts and
  the drop).

| Database | DB size MB | Stored MB | Dump MB | sha256sum s | Checksum s | Checksum/sha256sum | Runner (checksum) s | raw pg_restore s | gpg --decrypt s | RestoreDuration s | Restore/raw | Restore/(decrypt+raw) | Whole test s |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

## Samples

$(printf '%s\n' "${samples[@]}")

$(machine_section "$pg_restore" "$(gpg --version | head -n 1); $(sha256sum --version | head -n 1)")
EOF2
)"

write_report "$report"
