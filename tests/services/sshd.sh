#!/usr/bin/env bash
# A throwaway OpenSSH server for tests and benchmarks.
#
# Usage:
#   sshd.sh start <dir> [--port N]    generate a host key and a client key in <dir> (kept when they exist),
#                                     write <dir>/sshd_config, start sshd on 127.0.0.1 (a free port, or N),
#                                     write <dir>/connection.env and print it
#   sshd.sh stop <dir>                stop that sshd; exit 0 if it is not running
#   sshd.sh rekey <dir>               replace the host key by a new one (takes effect at the next start)
#
# The server logs in the user running the script (root in CI) with <dir>/client_key only, runs commands
# with that user's shell, and writes its log to <dir>/sshd.log. stdout carries only connection.env lines.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly SCRIPT_DIR
readonly SCRIPT_NAME=sshd.sh USAGE_LINES=3,12
# shellcheck source=tests/services/lib.sh
source "$SCRIPT_DIR/lib.sh"

start() {
    local dir="$1" port="${2:-}"
    command -v /usr/sbin/sshd >/dev/null || die "/usr/sbin/sshd not found (run tests/services/install.sh)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"
    if pid="$(running_pid "$dir/sshd.pid")"; then
        log "sshd already running in $dir (pid $pid)"
        cat "$dir/connection.env"
        return 0
    fi
    [[ -f "$dir/host_key" ]] || ssh-keygen -q -t ed25519 -N '' -C opsrunbooks-test-host -f "$dir/host_key"
    [[ -f "$dir/client_key" ]] || ssh-keygen -q -t ed25519 -N '' -C opsrunbooks-test-client -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    chmod 600 "$dir/authorized_keys" "$dir/host_key" "$dir/client_key"
    # sshd insists on an existing privilege separation directory.
    mkdir -p /run/sshd
    [[ -n "$port" ]] || port="$(free_port)"
    cat >"$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100
MaxSessions 100
LogLevel VERBOSE
Subsystem sftp internal-sftp
CONF
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    for _ in $(seq 100); do
        listening "$port" && break
        sleep 0.05
    done
    listening "$port" || die "sshd did not listen on 127.0.0.1:$port (see $dir/sshd.log)"
    publish_connection_env "$dir" "SSH_HOST=127.0.0.1
SSH_PORT=$port
SSH_USER=$(id -un)
SSH_KEY_FILE=$dir/client_key"
}

stop() {
    local dir="$1" pid
    pid="$(running_pid "$dir/sshd.pid")" || return 0
    stop_process "$pid" 5 sshd
}

rekey() {
    local dir="$1"
    rm -f "$dir/host_key" "$dir/host_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C opsrunbooks-test-host -f "$dir/host_key"
}

case "${1:-}" in
start)
    [[ $# -ge 2 ]] || usage
    port=""
    if [[ "${3:-}" == --port ]]; then port="${4:?}"; fi
    start "$2" "$port"
    ;;
stop)
    [[ $# -eq 2 ]] || usage
    stop "$2"
    ;;
rekey)
    [[ $# -eq 2 ]] || usage
    rekey "$2"
    ;;
*) usage ;;
esac
