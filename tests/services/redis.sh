#!/usr/bin/env bash
# Throwaway Redis servers for tests and benchmarks (redis-server from Debian).
#
# Usage:
#   redis.sh start <dir> [--password]   start a server in <dir> (empty or absent) on a free 127.0.0.1 port,
#                                       without persistence; --password sets a random requirepass;
#                                       write <dir>/connection.env and print it
#   redis.sh stop <dir>                 stop the server by the PID in <dir>/redis.pid; exit 0 if not running
#
# connection.env: REDIS_HOST, REDIS_PORT, REDIS_PASSWORD (empty without --password), REDIS_PIDFILE.
# stdout carries only the connection.env lines of `start`; all diagnostics go to stderr.
# Packages come from tests/services/install.sh.
set -euo pipefail

readonly PORT_ATTEMPTS=8
readonly START_SECONDS=20

log() { printf 'redis.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    sed -n '3,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

random_password() {
    local pw=''
    while ((${#pw} < 32)); do
        pw+=$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${pw:0:32}"
}

free_port() {
    # Let the kernel pick a free port; redis-server's own bind is still the real check (see start).
    if command -v python3 >/dev/null; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        printf '%d\n' $((20000 + RANDOM % 20000))
    fi
}

# PING through redis-cli; the password travels in the environment (REDISCLI_AUTH), never in arguments.
ping() {
    local port="$1" password="$2"
    REDISCLI_AUTH="$password" redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning ping 2>/dev/null
}

# Our server answers: PONG on the port, and the process of our pidfile runs (not another server on that port).
answers() {
    [[ "$(ping "$1" "$2")" == PONG ]] && is_running "$3"
}

is_running() {
    local pidfile="$1" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(<"$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]]
}

cmd_start() {
    local dir="" with_password=0
    while (($#)); do
        case "$1" in
            --password)
                with_password=1
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
    command -v redis-server >/dev/null || die "redis-server not found (run tests/services/install.sh)"
    command -v redis-cli >/dev/null || die "redis-cli not found (run tests/services/install.sh)"
    if [[ -e "$dir" ]]; then
        [[ -d "$dir" ]] || die "$dir exists and is not a directory"
        [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"
    [[ "$dir" != *'"'* && "$dir" != *$'\n'* ]] || die "directory path must not contain quotes or newlines"
    # The config file holds the password: keep the whole directory private.
    chmod 700 "$dir"

    local password=""
    ((with_password == 0)) || password="$(random_password)"
    local pidfile="$dir/redis.pid" logfile="$dir/redis.log" conf="$dir/redis.conf"
    local attempt port waited
    for ((attempt = 1; attempt <= PORT_ATTEMPTS; attempt++)); do
        port="$(free_port)"
        (
            umask 077
            # No persistence (no RDB snapshots, no AOF): a test server keeps nothing across runs.
            cat >"$conf" <<EOF
# Written by tests/services/redis.sh
bind 127.0.0.1
port $port
protected-mode yes
daemonize yes
pidfile "$pidfile"
logfile "$logfile"
dir "$dir"
save ""
appendonly no
databases 16
EOF
            [[ -z "$password" ]] || printf 'requirepass "%s"\n' "$password" >>"$conf"
        )
        rm -f "$pidfile"
        log "starting redis-server on 127.0.0.1:$port (attempt $attempt)"
        # The password is in the config file only, never on the command line.
        if ! redis-server "$conf" >&2; then
            die "redis-server failed to start; see $logfile"
        fi
        for ((waited = 0; waited < START_SECONDS * 10; waited++)); do
            if answers "$port" "$password" "$pidfile"; then
                break
            fi
            if ((waited > 5)) && ! is_running "$pidfile" && grep -q 'Address already in use\|Could not create server TCP' "$logfile" 2>/dev/null; then
                break
            fi
            sleep 0.1
        done
        if answers "$port" "$password" "$pidfile"; then
            write_connection_env "$dir" "$port" "$password" "$pidfile"
            return 0
        fi
        if grep -q 'Address already in use\|Could not create server TCP' "$logfile" 2>/dev/null; then
            log "port $port was taken, retrying"
            : >"$logfile"
            continue
        fi
        tail -n 20 "$logfile" >&2 || true
        cmd_stop "$dir" || true
        die "redis-server did not answer PING on 127.0.0.1:$port within $START_SECONDS s"
    done
    die "no free port found after $PORT_ATTEMPTS attempts"
}

# Writes <dir>/connection.env (private: it may hold the password) and prints it.
write_connection_env() {
    local dir="$1" port="$2" password="$3" pidfile="$4" env_text
    env_text="REDIS_HOST=127.0.0.1
REDIS_PORT=$port
REDIS_PASSWORD=$password
REDIS_PIDFILE=$pidfile"
    (
        umask 077
        printf '%s\n' "$env_text" >"$dir/connection.env.tmp"
    )
    mv "$dir/connection.env.tmp" "$dir/connection.env"
    printf '%s\n' "$env_text"
}

cmd_stop() {
    (($# == 1)) || usage
    local dir="$1" pidfile pid i
    pidfile="$dir/redis.pid"
    if ! is_running "$pidfile"; then
        log "no server running in $dir"
        return 0
    fi
    pid="$(<"$pidfile")"
    log "stopping redis-server $pid in $dir"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "redis-server $pid did not stop within 10 s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

main() {
    (($# >= 1)) || usage
    local cmd="$1"
    shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        *) usage ;;
    esac
}

main "$@"
