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

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly SCRIPT_DIR
readonly SCRIPT_NAME=redis.sh USAGE_LINES=3,11
# shellcheck source=tests/services/lib.sh
source "$SCRIPT_DIR/lib.sh"
readonly PORT_ATTEMPTS=8
readonly START_SECONDS=20

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
    running_pid "$1" redis-server >/dev/null
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
    dir="$(new_directory "$dir")"
    [[ "$dir" != *'"'* && "$dir" != *$'\n'* ]] || die "directory path must not contain quotes or newlines"
    # The config file holds the password: keep the whole directory private.
    chmod 700 "$dir"

    local password=""
    ((with_password == 0)) || password="$(random_password 32)"
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
            publish_connection_env "$dir" "REDIS_HOST=127.0.0.1
REDIS_PORT=$port
REDIS_PASSWORD=$password
REDIS_PIDFILE=$pidfile"
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

cmd_stop() {
    (($# == 1)) || usage
    local dir="$1" pid
    if ! pid="$(running_pid "$dir/redis.pid" redis-server)"; then
        log "no server running in $dir"
        return 0
    fi
    log "stopping redis-server $pid in $dir"
    stop_process "$pid" 10 redis-server
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
