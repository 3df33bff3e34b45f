#!/usr/bin/env bash
# A throwaway supervisord for the scaling tests, running the test queue worker (tests/services/worker) in
# program groups that the Supervisor scale target starts and stops. Nothing is started by itself.
#
# Usage:
#   supervisor.sh start <dir> --redis HOST:PORT [--numprocs N] [--stopwaitsecs S] [--job-ms MS]
#       write <dir>/supervisord.conf, start supervisord with its XML-RPC interface on a free 127.0.0.1 port,
#       print the lines of <dir>/connection.env (SUPERVISOR_URL, SUPERVISOR_SOCKET, SUPERVISOR_PID):
#         group worker    numprocs N (default 4), stopwaitsecs S (default 10), jobs from queues:jobs,
#                         MS milliseconds each (default 100)
#         group slow      numprocs N, stopwaitsecs 1, jobs from queues:slow, 5 s each: a stop in the middle
#                         of a job ends in SIGKILL
#         group crashing  numprocs N, workers that exit at once (WORKER_EXIT_AT_ONCE=1)
#   supervisor.sh stop <dir>      stop supervisord (which stops its workers) by its PID; exit 0 if not running
#
# stdout carries only the connection.env lines of `start`; diagnostics go to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly SCRIPT_DIR
readonly SCRIPT_NAME=supervisor.sh USAGE_LINES=5,16
# shellcheck source=tests/services/lib.sh
source "$SCRIPT_DIR/lib.sh"

start() {
    local dir="$1"
    shift
    local redis="" numprocs=4 stopwaitsecs=10 job_ms=100
    while (($#)); do
        case "$1" in
            --redis) redis="$2" ;;
            --numprocs) numprocs="$2" ;;
            --stopwaitsecs) stopwaitsecs="$2" ;;
            --job-ms) job_ms="$2" ;;
            *) usage ;;
        esac
        shift 2
    done
    [[ -n "$redis" ]] || die "--redis HOST:PORT is required"
    command -v supervisord >/dev/null || die "supervisord not found (run tests/services/install.sh)"
    local worker
    worker="$("$SCRIPT_DIR/worker/build.sh")"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"
    [[ ! -e "$dir/supervisord.pid" ]] || die "$dir already has a supervisord.pid; stop it first"

    local port
    port="$(free_port)"
    program() {
        local name="$1" queue="$2" ms="$3" wait="$4" extra="$5"
        cat <<CONF

[program:$name]
command=$worker
process_name=%(program_name)s_%(process_num)02d
numprocs=$numprocs
autostart=false
autorestart=unexpected
startsecs=1
startretries=2
stopsignal=TERM
stopwaitsecs=$wait
redirect_stderr=true
stdout_logfile=$dir/%(program_name)s_%(process_num)02d.log
stdout_logfile_maxbytes=1MB
stdout_logfile_backups=0
environment=WORKER_REDIS="$redis",WORKER_QUEUE="$queue",WORKER_JOB_MS="$ms",WORKER_NAME="%(program_name)s_%(process_num)02d"$extra
CONF
    }
    {
        cat <<CONF
[supervisord]
logfile=$dir/supervisord.log
logfile_maxbytes=10MB
loglevel=info
pidfile=$dir/supervisord.pid
directory=$dir
childlogdir=$dir
nodaemon=false
user=root

[inet_http_server]
port=127.0.0.1:$port

[unix_http_server]
file=$dir/supervisor.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$dir/supervisor.sock
CONF
        program worker jobs "$job_ms" "$stopwaitsecs" ""
        program slow slow 5000 1 ""
        program crashing crashing 100 1 ',WORKER_EXIT_AT_ONCE="1"'
    } >"$dir/supervisord.conf"

    supervisord -c "$dir/supervisord.conf" >&2
    local attempt
    for attempt in $(seq 1 100); do
        if supervisorctl -c "$dir/supervisord.conf" pid >/dev/null 2>&1; then
            publish_connection_env "$dir" "SUPERVISOR_URL=http://127.0.0.1:$port/RPC2
SUPERVISOR_SOCKET=$dir/supervisor.sock
SUPERVISOR_PID=$(<"$dir/supervisord.pid")"
            return 0
        fi
        sleep 0.1
    done
    log "supervisord did not answer within 10 s; its log:"
    tail -n 20 "$dir/supervisord.log" >&2 || true
    die "supervisord did not start"
}

stop() {
    local dir="$1" pid
    if pid="$(running_pid "$dir/supervisord.pid")"; then
        # SIGTERM: supervisord stops its workers (each within its stopwaitsecs) and exits.
        stop_process "$pid" 30 supervisord
    fi
    rm -f "$dir/supervisord.pid"
}

(($# >= 2)) || usage
case "$1" in
    start) start "${@:2}" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
