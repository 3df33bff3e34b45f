#!/usr/bin/env bash
# Helpers shared by the benchmark scripts (backup-throughput.sh, health-check.sh, integrity.sh, journal.sh,
# promotion.sh). Source it once repo_root, SCRIPT_NAME (the prefix of log lines) and USAGE_LINES (the lines of
# the script's header comment that usage prints, as `sed -n` takes them) are set. The functions that start or
# remove things read work (the run's temp directory), shm_base and pg_started, which the script sets first.

# log, die and usage: the same as the test servers' scripts.
# shellcheck source=tests/services/lib.sh
source "$repo_root/tests/services/lib.sh"

# PostgreSQL 15's programs, as tests/services/postgres.sh runs them.
readonly PG_BIN="${OPSRUNBOOKS_PG_BIN:-/usr/lib/postgresql/15/bin}"

# Reads the command line into the variables named in <names> (`--name V` or `--name=V` sets name), and
# --no-build into build=0; anything else shows the usage.
parse_options() {
    local names=" $1 " name
    shift
    while (($#)); do
        case "$1" in
            --no-build)
                build=0
                shift
                ;;
            --*=*)
                name="${1%%=*}"
                name="${name#--}"
                [[ "$names" == *" $name "* ]] || usage
                printf -v "$name" '%s' "${1#*=}"
                shift
                ;;
            --*)
                name="${1#--}"
                [[ "$names" == *" $name "* ]] && (($# >= 2)) || usage
                printf -v "$name" '%s' "$2"
                shift 2
                ;;
            *) usage ;;
        esac
    done
}

# Sets scale_list from --scales: one or more seed scales, each from 1 to 9999, none twice (each names a
# database, bench_s<scale>).
read_scales() {
    local scale
    local -A seen=()
    read -r -a scale_list <<<"$scales"
    ((${#scale_list[@]} > 0)) || die "--scales is empty"
    for scale in "${scale_list[@]}"; do
        [[ "$scale" =~ ^[1-9][0-9]{0,3}$ ]] || die "each scale must be an integer from 1 to 9999, got '$scale'"
        [[ -z "${seen[$scale]:-}" ]] || die "scale $scale is given twice"
        seen[$scale]=1
    done
}

require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool not found"
    done
}

# Writes the report to $output (whole: a reader never sees half of it), prints it and says where it is.
write_report() {
    mkdir -p "$(dirname "$output")"
    printf '%s\n' "$1" >"$output.tmp"
    mv -f "$output.tmp" "$output"
    printf '%s\n' "$1"
    log "results in $output"
}

# Makes the run's temp directory, work, and, when /dev/shm is writable, a tmpfs one, shm_base; the
# caller's cleanup removes both.
make_work_directories() {
    work="$(mktemp -d /tmp/opsrunbooks-bench.XXXXXX)"
    # postgres.sh runs the server as a system user when we are root: it must be able to reach $work/pg.
    chmod 711 "$work"
    if [[ -d /dev/shm && -w /dev/shm ]]; then
        shm_base="$(mktemp -d /dev/shm/opsrunbooks-bench.XXXXXX)"
    fi
}

# Stops what start_postgres and create_gpg_key started and removes the temp directories; for the
# caller's cleanup on exit. Reads pg_started, work and shm_base (empty or 0 when not made yet).
remove_work_state() {
    if ((pg_started)); then
        "$repo_root/tests/services/postgres.sh" stop "$work/pg" >/dev/null 2>&1 ||
            log "warning: could not stop PostgreSQL in $work/pg"
    fi
    if [[ -n "$work" && -d "$work/gnupg" ]]; then
        gpgconf --homedir "$work/gnupg" --kill all >/dev/null 2>&1 || true
    fi
    [[ -z "$shm_base" ]] || rm -rf -- "$shm_base"
    [[ -z "$work" ]] || rm -rf -- "$work"
}

# Removes what the benchmark started and made on exit, also on failure and Ctrl+C. A script that starts
# more defines cleanup_extra, which runs first.
install_cleanup() {
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
    remove_work_state
    ((rc == 0)) || log "failed (exit $rc); cleaned up"
    exit "$rc"
}

# The "## Machine" section of a report, from machine_facts and the script's load_start, load_end,
# configuration and module_used. $1: the PostgreSQL program measured; the rest: lines of its own.
machine_section() {
    local pg_program="$1" line
    shift
    printf '## Machine\n\n'
    printf -- '- CPU: %s; nproc %s\n' "$cpu_model" "$(nproc)"
    printf -- '- Memory: %s\n' "$mem_total"
    printf -- '- Load average (1/5/15 min): %s at start, %s at end\n' "$load_start" "$load_end"
    printf -- '- Kernel: %s\n' "$(uname -sr)"
    printf -- '- .NET SDK: %s; runner %s; module %s\n' "$(dotnet --version)" "$configuration" "$module_used"
    printf -- '- PostgreSQL server %s; %s (%s)\n' "$server_version" "$("$pg_program" --version)" "$pg_program"
    for line in "$@"; do printf -- '- %s\n' "$line"; done
    printf -- '- Commit: %s\n' "$commit"
}

# Sets cpu_model, mem_total, server_version (of the running PostgreSQL) and commit, for the report.
machine_facts() {
    cpu_model="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    [[ -n "$cpu_model" ]] || cpu_model="$(uname -m)"
    mem_total="$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
    server_version="$(PGDATABASE=postgres psql -X -At -c 'SHOW server_version')"
    commit="$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ -n "$(git -C "$repo_root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
        commit+=" (with uncommitted changes)"
    fi
}

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

# Builds the runner and the module; sets runner and module_used. Reads configuration and build (0 or 1).
build_runner_and_module() {
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
}

# Starts PostgreSQL in $work/pg and exports PGHOST, PGPORT, PGUSER and PGPASSWORD; sets pg_started (for
# the caller's cleanup) and warmup_database (the seeded database the cluster starts with).
start_postgres() {
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
}

# Makes an rsa3072 key pair in $work/gnupg (exported as GNUPGHOME); sets fingerprint, key_file (the armored
# public key) and secret_key_file (the armored secret key, without passphrase).
create_gpg_key() {
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
    secret_key_file="$work/bench-secret.asc"
    "${gpg_quiet[@]}" --armor --export-secret-keys "$fingerprint" >"$secret_key_file"
}
