# Helpers shared by the service scripts (postgres.sh, redis.sh, sshd.sh, docker.sh, supervisor.sh), sourced
# after the script sets SCRIPT_NAME (the prefix of its log messages) and USAGE_LINES (the lines of its header
# comment that usage prints, as `sed -n` takes them). Diagnostics go to stderr only: a script's stdout carries
# its connection lines alone. The benchmark scripts' bench/lib.sh takes log, die and usage from here too.

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    # BASH_SOURCE[-1]: the script that was run, not this file.
    sed -n "${USAGE_LINES}p" "${BASH_SOURCE[-1]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Prints <length> random letters and digits.
random_password() {
    local length="$1" pw=''
    # Read a fixed amount instead of piping an endless /dev/urandom into head (SIGPIPE + pipefail).
    while ((${#pw} < length)); do
        pw+=$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${pw:0:length}"
}

# Whether something accepts connections on 127.0.0.1:<port>.
listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a port on 127.0.0.1 that is free now; the server's own bind is still the real check, since another
# process may take the port before it binds.
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
        return
    fi
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 40000))
        listening "$port" || {
            printf '%s\n' "$port"
            return 0
        }
    done
    die "no free port found"
}

# Makes <dir>, which must be absent or empty, and prints its physical path.
new_directory() {
    local dir="$1"
    if [[ -e "$dir" ]]; then
        [[ -d "$dir" ]] || die "$dir exists and is not a directory"
        [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
    fi
    mkdir -p "$dir"
    (cd "$dir" && pwd -P)
}

# Writes <text> to <dir>/connection.env, private (it may hold a password) and whole (a reader never sees half
# of it), and prints it.
publish_connection_env() {
    local dir="$1" text="$2"
    (
        umask 077
        printf '%s\n' "$text" >"$dir/connection.env.tmp"
    )
    mv "$dir/connection.env.tmp" "$dir/connection.env"
    printf '%s\n' "$text"
}

# Prints the PID in <pidfile> and succeeds when that process runs, and, given <name>, when its command name
# starts with <name> (a PID reused by another program is not our server).
running_pid() {
    local pidfile="$1" name="${2:-}" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(<"$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ -z "$name" || "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name"* ]] || return 1
    printf '%s' "$pid"
}

# Sends SIGTERM to <pid> and waits up to <seconds> for it to end; then SIGKILL. <name> names it in the log.
stop_process() {
    local pid="$1" seconds="$2" name="$3" i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < seconds * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    log "$name $pid did not stop within $seconds s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
}
