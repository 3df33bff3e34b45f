#!/usr/bin/env bash
# A throwaway Docker Engine with a single-node Swarm, for tests and benchmarks.
#
# Usage:
#   docker.sh start <dir>          start dockerd with everything under <dir> (socket <dir>/docker.sock),
#                                  make it a single-node Swarm on 127.0.0.1, import the worker image,
#                                  write <dir>/connection.env and print it; when that daemon already runs,
#                                  only print it
#   docker.sh stop <dir>           leave the Swarm, stop the daemon; exit 0 if it is not running
#   docker.sh image <dir> [tag]    (re)import the worker image (busybox + tests/services/worker) as <tag>
#                                  (default opsrunbooks/worker:test)
#
# A Swarm manager listens on 127.0.0.1:2377, so one machine runs one of these at a time: tests share one
# daemon per test run. No registry: the image is `docker import`ed from a tar of a tiny root file system.
# stdout carries only connection.env lines; diagnostics go to stderr and <dir>/dockerd.log.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
readonly SCRIPT_DIR
readonly IMAGE_DEFAULT=opsrunbooks/worker:test
readonly SWARM_PORT=2377

readonly SCRIPT_NAME=docker.sh USAGE_LINES=3,14
# shellcheck source=tests/services/lib.sh
source "$SCRIPT_DIR/lib.sh"

client() {
    local dir="$1"
    shift
    DOCKER_HOST="unix://$dir/docker.sock" docker "$@"
}

import_image() {
    local dir="$1" tag="${2:-$IMAGE_DEFAULT}" root worker
    worker="$(bash "$SCRIPT_DIR/worker/build.sh")"
    root="$(mktemp -d)"
    mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for applet in sh sleep echo cat hostname; do ln -s busybox "$root/bin/$applet"; done
    cp "$worker" "$root/bin/worker"
    echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
    tar -C "$root" -c . | client "$dir" import --change 'CMD ["/bin/worker"]' - "$tag" >/dev/null
    rm -rf "$root"
}

start() {
    local dir="$1" pid
    command -v dockerd >/dev/null || die "dockerd not found (run tests/services/install.sh)"
    [[ -x /bin/busybox ]] || die "/bin/busybox not found (run tests/services/install.sh: busybox-static)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"
    if pid="$(running_pid "$dir/dockerd.pid")"; then
        log "dockerd already running in $dir (pid $pid)"
        cat "$dir/connection.env"
        return 0
    fi
    if listening "$SWARM_PORT"; then
        die "127.0.0.1:$SWARM_PORT is taken: another Swarm manager runs on this machine (stop it with docker.sh stop <its dir>)"
    fi
    mkdir -p "$dir/data" "$dir/exec"
    dockerd --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
        --host="unix://$dir/docker.sock" --data-root="$dir/data" --exec-root="$dir/exec" \
        --pidfile="$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 300); do
        client "$dir" version >/dev/null 2>&1 && break
        sleep 0.1
    done
    client "$dir" version >/dev/null 2>&1 || die "dockerd did not answer on $dir/docker.sock (see $dir/dockerd.log)"
    client "$dir" swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$SWARM_PORT" >/dev/null ||
        die "docker swarm init failed (see $dir/dockerd.log)"
    import_image "$dir"
    publish_connection_env "$dir" "DOCKER_HOST=unix://$dir/docker.sock
DOCKER_PIDFILE=$dir/dockerd.pid
WORKER_IMAGE=$IMAGE_DEFAULT"
}

stop() {
    local dir="$1" pid
    pid="$(running_pid "$dir/dockerd.pid")" || return 0
    client "$dir" swarm leave --force >/dev/null 2>&1 || true
    stop_process "$pid" 30 dockerd
    # Mounts dockerd leaves under its folders would keep them from being deleted.
    grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
}

case "${1:-}" in
start)
    [[ $# -eq 2 ]] || usage
    start "$2"
    ;;
stop)
    [[ $# -eq 2 ]] || usage
    stop "$2"
    ;;
image)
    [[ $# -ge 2 ]] || usage
    import_image "$(cd "$2" && pwd -P)" "${3:-}"
    ;;
*) usage ;;
esac
