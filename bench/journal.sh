#!/usr/bin/env bash
# Operations-log benchmark: what recording an entry costs a backup, and how fast Get-OperationLog reads
# a long log (run through the `opsrunbook` runner, timed inside the engine, so startup is left out).
#
# It starts PostgreSQL with its seeded database and measures, in bench/journal-once.ps1:
#   - backup:  --repeat backups of the seeded database into a local store (each records its entry);
#   - append:  one entry appended to a JSON Lines log (lock file, open, one write), averaged over
#              --appends; and one insert into the PostgreSQL table on the same server, over --appends/5;
#   - read:    a log of --entries entries read with Get-OperationLog: every entry through the pipeline
#              (the first read of the process, then again),
#              -First 20, and a filter that matches none (every line read and parsed).
#
# Targets: (file append + table insert) < 1 % of the median backup's Duration; all --entries entries
# read in well under a second.
#
# Usage: bench/journal.sh [--repeat 3] [--appends 1000] [--entries 100000] [--configuration Release|Debug]
#                         [--no-build] [--output FILE]
# Results: bench/results/journal-<YYYY-MM-DD>.md (Markdown), also printed on stdout; progress goes to
# stderr. Everything it starts or creates is stopped/removed on exit, also on failure or Ctrl+C.
set -euo pipefail
export LC_ALL=C

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly repo_root
readonly SCRIPT_NAME=journal USAGE_LINES=16,17
# shellcheck source=bench/lib.sh
source "$repo_root/bench/lib.sh"
readonly SCRIPT="$repo_root/bench/journal-once.ps1"
readonly COMMAND_LINE="bench/journal.sh${*:+ $*}"

repeat=3
appends=1000
entries=100000
configuration=Release
build=1
output="$repo_root/bench/results/journal-$(date -u +%F).md"
parse_options "repeat appends entries configuration output" "$@"

work="" shm_base="" pg_started=0
install_cleanup
make_work_directories
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

build_runner_and_module
start_postgres
create_gpg_key
machine_facts

log "running $repeat backups, $appends appends, $entries entries"
export OPSRUNBOOKS_JOURNAL_PATH="$work/operations.jsonl"
if ! dotnet "$runner" run "$SCRIPT" -Server "$PGHOST" -Port "$PGPORT" -User "$PGUSER" -Database "$warmup_database" \
    -EncryptionKey "$key_file" -StorePath "${shm_base:-$work}/store" -BigLog "${shm_base:-$work}/big.jsonl" \
    -Repeat "$repeat" -Appends "$appends" -Entries "$entries" >"$work/runner.out" 2>"$work/runner.err"; then
    show_tail "$work/runner.err"
    die "journal-once.ps1 failed"
fi
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

value() { grep -o "$1=[0-9.]*" "$work/runner.out" | cut -d= -f2; }
mapfile -t backups < <(value backup_s)
backup_median="$(median "${backups[@]}")"
file_ms="$(value file_append_ms)"
table_ms="$(value table_insert_ms)"
share="$(awk -v f="$file_ms" -v t="$table_ms" -v b="$backup_median" 'BEGIN { printf "%.3f", (f + t) / 10 / b }')"

report="$(
    printf '# Operations-log benchmark, %s\n\n' "$(date -u +%F)"
    printf 'Command: `%s`\n\n' "$COMMAND_LINE"
    printf '## Cost of the entry on a backup\n\n'
    printf '| measure | value |\n| --- | --- |\n'
    printf '| backup Duration, median of %s (seeded test database) | %s s |\n' "$repeat" "$backup_median"
    printf '| one entry appended to the JSON Lines file (mean of %s) | %s ms |\n' "$appends" "$file_ms"
    printf '| one entry inserted into the PostgreSQL table (mean of %s) | %s ms |\n' "$((appends / 5))" "$table_ms"
    printf '| both sinks, share of the backup | %s %% (target < 1 %%) |\n\n' "$share"
    printf '## Get-OperationLog over %s entries\n\n' "$(value entries)"
    printf '| read | seconds |\n| --- | --- |\n'
    printf '| every entry through the pipeline, the first read of the process (code compiled on the way) | %s |\n' "$(value all_s)"
    printf '| every entry through the pipeline, read again | %s |\n' "$(value all_warm_s)"
    printf '| -First 20 | %s |\n' "$(value first20_s)"
    printf '| -Outcome Cancelled (matches none: every line parsed) | %s |\n\n' "$(value filtered_s)"
    machine_section "$(command -v pg_dump)"
)"
write_report "$report"
