#!/usr/bin/env bash
# Throwaway PostgreSQL clusters (15 from Debian, 16-18 from npm) for tests and benchmarks.
#
# Usage:
#   postgres.sh start <dir> [--seed-scale N] [--version V] [--stat-statements]
#                                              create + start a cluster in <dir> (empty or absent),
#                                              create and seed database opsrunbooks_seed (scale N,
#                                              default 1), write <dir>/connection.env and print it;
#                                              V is the major version (15, the default, 16, 17, 18);
#                                              --stat-statements loads pg_stat_statements
#   postgres.sh stop <dir>                     stop the cluster (immediate); exit 0 if not running
#   postgres.sh resume <dir>                   start the cluster of an earlier `start` again, with its data,
#                                              on its port (another free one if that is taken); print
#                                              connection.env; exit 0 if it is already running
#   postgres.sh seed <dir> <database> [--scale N]
#                                              create <database> in the running cluster and seed it
#   postgres.sh standby <dir> <primary-dir>    make a streaming standby of the running cluster of an earlier
#                                              `start` in <primary-dir>: a replication role of its own,
#                                              pg_basebackup -R into <dir>, hot_standby on its own port;
#                                              start it, write <dir>/connection.env and print it
#
# stdout carries only the connection.env lines of `start`; all diagnostics go to stderr.
# Packages come from tests/services/install.sh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly SCRIPT_DIR
readonly SCRIPT_NAME=postgres.sh USAGE_LINES=3,23
# shellcheck source=tests/services/lib.sh
source "$SCRIPT_DIR/lib.sh"
readonly SEED_SQL="$SCRIPT_DIR/seed.sql"
# Set by use_version: the server binaries of the cluster's major version.
PG_BIN=""
PG_VERSION=""
# Servers never run as root (postgres refuses to); root callers (CI) get this system user.
readonly OS_USER=opsrunbooks
readonly DB_SUPERUSER=opsadmin
readonly SEED_DATABASE=opsrunbooks_seed
readonly PORT_ATTEMPTS=8

# Runs a command as the cluster's OS user: directly when not root, via runuser when root.
as_owner() {
    if ((EUID == 0)); then
        runuser -u "$OS_USER" -- "$@"
    else
        "$@"
    fi
}

# Chooses the server binaries of a major version: 15 is Debian's package, 16-18 the npm packages that
# install.sh puts under tests/services/postgres-versions (client programs stay Debian's 15).
use_version() {
    case "$1" in
        15) PG_BIN="${OPSRUNBOOKS_PG_BIN:-/usr/lib/postgresql/15/bin}" ;;
        16 | 17 | 18) PG_BIN="$SCRIPT_DIR/postgres-versions/node_modules/postgres-$1/native/bin" ;;
        *) die "version must be 15, 16, 17 or 18, got '$1'" ;;
    esac
    PG_VERSION="$1"
}

# The major version of the cluster in <dir>, from its data directory.
use_version_of() {
    [[ -r "$1/data/PG_VERSION" ]] || die "no cluster in $1 (no data/PG_VERSION)"
    use_version "$(<"$1/data/PG_VERSION")"
}

require_pg_bin() {
    [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] ||
        die "PostgreSQL $PG_VERSION binaries not found in $PG_BIN (run tests/services/install.sh)"
    command -v psql >/dev/null || die "psql not found (run tests/services/install.sh)"
}

require_scale() {
    # orders.id is an integer column: 120000 * 9999 rows still fit.
    [[ "$1" =~ ^[1-9][0-9]{0,3}$ ]] || die "scale must be an integer from 1 to 9999, got '$1'"
}

ensure_os_user() {
    ((EUID == 0)) || return 0
    # flock on this script serialises parallel `start`s, which would otherwise race in useradd.
    (
        flock 9
        if ! id -u "$OS_USER" >/dev/null 2>&1; then
            log "creating system user $OS_USER"
            useradd --system --create-home --shell /usr/sbin/nologin "$OS_USER"
        fi
    ) 9<"${BASH_SOURCE[0]}"
}

# Reads <dir>/connection.env into PGHOST, PGPORT, ... without sourcing it (paths may hold spaces).
load_connection_env() {
    local file="$1/connection.env" key value
    [[ -r "$file" ]] || die "$file not found: is a cluster started in $1?"
    while IFS='=' read -r key value; do
        case "$key" in
            PGHOST) PGHOST="$value" ;;
            PGPORT) PGPORT="$value" ;;
            PGUSER) PGUSER="$value" ;;
            PGPASSWORD) PGPASSWORD="$value" ;;
            *) ;;
        esac
    done <"$file"
    [[ -n "${PGPORT:-}" && -n "${PGPASSWORD:-}" ]] || die "$file is incomplete"
}

# psql against the cluster described by PGHOST/PGPORT/PGUSER/PGPASSWORD (set by the caller).
# The password travels in the environment only; -X ignores any ~/.psqlrc.
run_psql() {
    local database="$1"
    shift
    PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGPASSWORD="$PGPASSWORD" \
        PGDATABASE="$database" PGCONNECT_TIMEOUT=10 PGAPPNAME=opsrunbooks-services \
        psql -X -q -v ON_ERROR_STOP=1 "$@"
}

seed_database() {
    local database="$1" scale="$2" started="$EPOCHREALTIME"
    [[ -r "$SEED_SQL" ]] || die "$SEED_SQL not found"
    log "creating database $database"
    # CREATE DATABASE cannot take a bind parameter; psql's :"var" quotes the identifier safely.
    printf 'CREATE DATABASE :"db";\n' | run_psql postgres -v db="$database" >&2
    log "seeding $database at scale $scale"
    run_psql "$database" -v scale="$scale" -f "$SEED_SQL" >&2
    log "seeded $database in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
}

print_tail() {
    local file="$1"
    [[ -s "$file" ]] || return 0
    log "---- last lines of $file ----"
    tail -n 40 "$file" >&2 || true
    log "---- end of $file ----"
}

# The size of <log>, so that port_taken_since reads only what one start attempt adds to it.
log_size() {
    if [[ -e "$1" ]]; then stat -c %s "$1"; else echo 0; fi
}

# Whether the server's <log>, past <offset> bytes, says that its port was taken.
port_taken_since() {
    # grep without -q reads to the end: under pipefail, tail killed by SIGPIPE would read as "not taken".
    tail -c +"$(($2 + 1))" "$1" | grep 'could not bind\|Address already in use' >/dev/null
}

# Sets DATA_OWNER_RUN to what runs a program as the owner of <data>, the cluster of an earlier start (made by
# whoever ran it): runuser when we are root and the owner is not, else nothing.
set_data_owner_run() {
    local owner
    owner="$(stat -c %U "$1")"
    DATA_OWNER_RUN=()
    if ((EUID == 0)) && [[ "$owner" != root ]]; then
        DATA_OWNER_RUN=(runuser -u "$owner" --)
    fi
}

# State for on_start_exit; START_DIR is the new cluster's directory, SERVER_PORT its port once started.
START_DIR=""
STARTED_SERVER=0
SERVER_PORT=""

# On a failed start: show the logs and do not leave a half-started server behind.
on_start_exit() {
    local rc=$?
    ((rc != 0)) || return 0
    print_tail "$START_DIR/initdb.log"
    print_tail "$START_DIR/server.log"
    if ((STARTED_SERVER)); then
        as_owner "$PG_BIN/pg_ctl" -D "$START_DIR/data" -m immediate -w stop >&2 || true
    fi
    log "start failed (exit $rc)"
}

# Makes <dir> (absent or empty) the private home of a new cluster, writable by the OS user, and enters it;
# sets START_DIR to its physical path. From here on, a failed start shows the logs and stops the server.
make_cluster_dir() {
    local dir
    dir="$(new_directory "$1")"
    # The path ends up inside postgresql.conf quotes and in the unix socket path (max 107 bytes).
    [[ "$dir" != *"'"* && "$dir" != *$'\n'* ]] || die "directory path must not contain quotes or newlines"
    ((${#dir} <= 92)) || die "directory path too long for a unix socket (max 92 chars): $dir"
    START_DIR="$dir"
    trap on_start_exit EXIT
    ensure_os_user
    # connection.env holds the password: keep the whole directory private.
    chmod 700 "$dir"
    if ((EUID == 0)); then
        chown "$OS_USER:" "$dir"
        as_owner test -w "$dir" ||
            die "user $OS_USER cannot write $dir (is a parent directory not traversable?)"
    fi
    # postgres tools chdir-check the cwd; root's cwd may be unreadable for the OS user.
    cd "$dir"
}

# Starts the server of the cluster in START_DIR on a free port, and on another one when the port was taken
# between free_port and the bind; sets SERVER_PORT. Before each attempt, `<configure...> <port>` writes the
# port into the server's settings. <what> names the server in the log.
start_on_free_port() {
    local what="$1" data="$START_DIR/data" logfile="$START_DIR/server.log" attempt port offset
    shift
    for ((attempt = 1; attempt <= PORT_ATTEMPTS; attempt++)); do
        port="$(free_port)"
        "$@" "$port"
        offset="$(log_size "$logfile")"
        log "starting $what on 127.0.0.1:$port (attempt $attempt)"
        STARTED_SERVER=1
        if as_owner "$PG_BIN/pg_ctl" -D "$data" -w -t 60 -l "$logfile" start >&2; then
            SERVER_PORT="$port"
            return 0
        fi
        STARTED_SERVER=0
        if port_taken_since "$logfile" "$offset"; then
            log "port $port was taken, retrying"
            continue
        fi
        die "pg_ctl start failed"
    done
    die "no free port found after $PORT_ATTEMPTS attempts"
}

# Settings of a new cluster in <dir> for a disposable, fast server; wal_level/max_wal_senders allow a standby
# later. <stat_statements>: 1 to load pg_stat_statements.
write_server_settings() {
    local dir="$1" stat_statements="$2" port="$3"
    as_owner tee "$dir/data/postgresql.auto.conf" >/dev/null <<EOF
# Written by tests/services/postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 50
shared_buffers = '128MB'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 5
max_wal_size = '2GB'
password_encryption = 'scram-sha-256'
EOF
    if ((stat_statements)); then
        printf "shared_preload_libraries = 'pg_stat_statements'\n" | as_owner tee -a "$dir/data/postgresql.auto.conf" >/dev/null
    fi
}

# The settings a standby in <dir> copied name the primary's port and socket directory: it gets its own.
write_standby_settings() {
    local dir="$1" port="$2" conf="$1/data/postgresql.auto.conf"
    as_owner sed -i -e "s/^port = .*/port = $port/" -e "s|^unix_socket_directories = .*|unix_socket_directories = '$dir'|" "$conf"
    grep -q '^hot_standby = on' "$conf" ||
        printf 'hot_standby = on\n' | as_owner tee -a "$conf" >/dev/null
}

cmd_start() {
    local dir="" scale=1 version=15 stat_statements=0
    while (($#)); do
        case "$1" in
            --version)
                (($# >= 2)) || usage
                version="$2"
                shift 2
                ;;
            --version=*)
                version="${1#*=}"
                shift
                ;;
            --stat-statements)
                stat_statements=1
                shift
                ;;
            --seed-scale)
                (($# >= 2)) || usage
                scale="$2"
                shift 2
                ;;
            --seed-scale=*)
                scale="${1#*=}"
                shift
                ;;
            -*) usage ;;
            *)
                [[ -z "$dir" ]] || usage
                dir="$1"
                shift
                ;;
        esac
    done
    [[ -n "$dir" ]] || usage
    require_scale "$scale"
    use_version "$version"
    require_pg_bin

    make_cluster_dir "$dir"
    dir="$START_DIR"
    local data="$dir/data"

    local password pwfile="$dir/.pwfile"
    password="$(random_password 24)"
    (
        umask 077
        printf '%s\n' "$password" >"$pwfile"
    )
    ((EUID != 0)) || chown "$OS_USER:" "$pwfile"

    log "initdb in $data"
    as_owner "$PG_BIN/initdb" -D "$data" --auth=scram-sha-256 --username="$DB_SUPERUSER" \
        --pwfile="$pwfile" --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1
    rm -f "$pwfile"

    # Only TCP on loopback with passwords; the socket lives in <dir>, not /var/run/postgresql.
    as_owner tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  scram-sha-256
host    all          all   127.0.0.1/32   scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF

    start_on_free_port server write_server_settings "$dir" "$stat_statements"

    PGHOST=127.0.0.1 PGPORT="$SERVER_PORT" PGUSER="$DB_SUPERUSER" PGPASSWORD="$password"
    seed_database "$SEED_DATABASE" "$scale"

    write_connection_env "$dir" "$SERVER_PORT" "$password"
}

# Writes <dir>/connection.env and prints it.
write_connection_env() {
    local dir="$1" port="$2" password="$3"
    publish_connection_env "$dir" "PGHOST=127.0.0.1
PGPORT=$port
PGUSER=$DB_SUPERUSER
PGPASSWORD=$password
PGDATABASE=$SEED_DATABASE
PGDATA=$dir/data"
}

# Starts the cluster a `start` made in <dir> again (after a stop or a reboot), keeping its data, users and
# password, so whatever was made with it (backups, keys, environment files) stays usable.
cmd_resume() {
    (($# == 1)) || usage
    local dir data
    [[ -d "$1/data" ]] || die "no cluster in $1: make one with 'postgres.sh start $1'"
    dir="$(cd "$1" && pwd -P)"
    data="$dir/data"
    use_version_of "$dir"
    require_pg_bin
    load_connection_env "$dir"
    set_data_owner_run "$data"
    cd "$data"
    if "${DATA_OWNER_RUN[@]}" "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "server in $dir already running on port $PGPORT"
        write_connection_env "$dir" "$PGPORT" "$PGPASSWORD"
        return 0
    fi
    local attempt port="$PGPORT" logfile="$dir/server.log" offset
    for ((attempt = 1; attempt <= PORT_ATTEMPTS; attempt++)); do
        offset="$(log_size "$logfile")"
        log "starting server in $dir on 127.0.0.1:$port (attempt $attempt)"
        if "${DATA_OWNER_RUN[@]}" "$PG_BIN/pg_ctl" -D "$data" -w -t 60 -l "$logfile" -o "-p $port" start >&2; then
            # The port given on the command line holds until the next start: make it the configured one.
            "${DATA_OWNER_RUN[@]}" sed -i "s/^port = .*/port = $port/" "$data/postgresql.auto.conf"
            write_connection_env "$dir" "$port" "$PGPASSWORD"
            return 0
        fi
        if port_taken_since "$logfile" "$offset"; then
            log "port $port was taken, trying another"
            port="$(free_port)"
            continue
        fi
        print_tail "$logfile"
        die "pg_ctl start failed"
    done
    die "no free port found after $PORT_ATTEMPTS attempts"
}

cmd_stop() {
    (($# == 1)) || usage
    local dir="$1" data
    data="$dir/data"
    if [[ ! -f "$data/postmaster.pid" ]]; then
        log "no server running in $dir"
        return 0
    fi
    use_version_of "$dir"
    [[ -x "$PG_BIN/pg_ctl" ]] || die "pg_ctl not found in $PG_BIN"
    data="$(cd "$data" && pwd -P)"
    cd "$data"
    set_data_owner_run "$data"
    local status=0
    "${DATA_OWNER_RUN[@]}" "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1 || status=$?
    if ((status == 3)); then
        # A stale postmaster.pid from a killed server: nothing to stop.
        log "no server running in $dir"
        return 0
    fi
    log "stopping server in $dir"
    "${DATA_OWNER_RUN[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 60 stop >&2
}

cmd_seed() {
    local dir="" database="" scale=1
    while (($#)); do
        case "$1" in
            --scale)
                (($# >= 2)) || usage
                scale="$2"
                shift 2
                ;;
            --scale=*)
                scale="${1#*=}"
                shift
                ;;
            -*) usage ;;
            *)
                if [[ -z "$dir" ]]; then
                    dir="$1"
                elif [[ -z "$database" ]]; then
                    database="$1"
                else
                    usage
                fi
                shift
                ;;
        esac
    done
    [[ -n "$dir" && -n "$database" ]] || usage
    require_scale "$scale"
    command -v psql >/dev/null || die "psql not found (run tests/services/install.sh)"
    load_connection_env "$dir"
    seed_database "$database" "$scale"
}

cmd_standby() {
    (($# == 2)) || usage
    local dir="$1" primary_dir="$2"
    use_version_of "$primary_dir"
    require_pg_bin
    [[ -x "$PG_BIN/pg_basebackup" ]] || die "pg_basebackup not found in $PG_BIN (run tests/services/install.sh)"
    load_connection_env "$primary_dir"
    make_cluster_dir "$dir"
    dir="$START_DIR"
    local data="$dir/data"

    # A role of its own per standby, so that making another standby never changes this one's password.
    local role password primary_port="$PGPORT" superuser_password="$PGPASSWORD"
    role="replication_$(random_password 24 | tr 'A-Z' 'a-z' | cut -c1-8)"
    password="$(random_password 24)"
    log "creating replication role $role on the primary (port $primary_port)"
    printf 'CREATE ROLE :"role" WITH REPLICATION LOGIN PASSWORD :'"'"'password'"'"';\n' |
        run_psql postgres -v role="$role" -v password="$password" >&2

    # -R writes primary_conninfo (with the password, as a real standby has it) and standby.signal.
    log "pg_basebackup from 127.0.0.1:$primary_port into $data"
    PGPASSWORD="$password" as_owner "$PG_BIN/pg_basebackup" --host=127.0.0.1 --port="$primary_port" --username="$role" \
        --pgdata="$data" --write-recovery-conf --wal-method=stream --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1 ||
        {
            print_tail "$dir/basebackup.log"
            die "pg_basebackup failed"
        }

    start_on_free_port standby write_standby_settings "$dir"
    # The clone has the primary's superuser and password.
    write_connection_env "$dir" "$SERVER_PORT" "$superuser_password"
}

main() {
    (($# >= 1)) || usage
    local cmd="$1"
    shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        resume) cmd_resume "$@" ;;
        seed) cmd_seed "$@" ;;
        standby) cmd_standby "$@" ;;
        -h | --help | help) usage ;;
        *) usage ;;
    esac
}

main "$@"
