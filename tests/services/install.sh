#!/usr/bin/env bash
# Installs what the throwaway test servers need: Debian's packages for tests/services/postgres.sh and
# gpg, Node.js when absent, the pinned S3-compatible server (tests/services/s3, from npm) and the
# PostgreSQL 16, 17 and 18 servers (tests/services/postgres-versions, from npm).
# Idempotent: when everything is already installed it only checks and exits.
# Usage: tests/services/install.sh [--no-s3]
#   --no-s3   leave out what comes from npm and Node.js (the demo uses only PostgreSQL 15 and gpg)
set -euo pipefail

with_s3=1
case "${1:-}" in
    "") ;;
    --no-s3) with_s3=0 ;;
    *)
        sed -n '5,6p' "$0" >&2
        exit 2
        ;;
esac

# postgresql-15 brings the server binaries under /usr/lib/postgresql/15/bin;
# util-linux provides runuser and flock, procps provides ps/pkill for diagnostics.
PACKAGES=(postgresql-15 postgresql-client-15 gnupg procps util-linux)
# sshd.sh and docker.sh: an SSH server and client, Docker Engine with Compose v1, busybox for the worker image.
PACKAGES+=(openssh-server openssh-client docker.io docker-compose busybox-static)
# tests/services/redis.sh: the server and redis-cli.
PACKAGES+=(redis-server redis-tools)
# supervisord runs the scaling tests' worker, which gcc builds as a static binary (tests/services/worker/build.sh).
PACKAGES+=(supervisor gcc libc6-dev)
# The operations report's test renders the page in real headless Chromium.
PACKAGES+=(chromium)

# A drop-in read by postgresql-common's createcluster.conf (include_dir): it stops the
# postgresql-15 postinst from creating (and so starting) Debian's default `main` cluster,
# which the tests never use.
readonly NO_MAIN_CLUSTER_CONF=/etc/postgresql-common/createcluster.d/50-opsrunbooks-no-main-cluster.conf

log() { printf 'install.sh: %s\n' "$*" >&2; }

is_installed() {
    # `dpkg -s` also succeeds for removed-but-not-purged packages, so check the status itself. No pipe into
    # grep -q: under pipefail, dpkg killed by SIGPIPE when grep stops reading would read as "not installed".
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == 'install ok installed' ]]
}

install_packages() {
    missing=()
    for pkg in "${PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done

    if ((${#missing[@]} == 0)); then
        log "all packages already installed: ${PACKAGES[*]}"
        return 0
    fi

    if ((EUID != 0)); then
        log "missing packages: ${missing[*]}"
        log "not running as root: install them with 'sudo $0' (or apt-get install ${missing[*]})"
        exit 1
    fi

    conf_dir="$(dirname "$NO_MAIN_CLUSTER_CONF")"
    created_conf_dir=0
    cleanup() {
        # The drop-in only matters while the server package is being configured.
        rm -f "$NO_MAIN_CLUSTER_CONF"
        if ((created_conf_dir)); then
            rmdir --ignore-fail-on-non-empty "$conf_dir"
        fi
    }

    if [[ ! -e "$NO_MAIN_CLUSTER_CONF" ]]; then
        if [[ ! -d "$conf_dir" ]]; then
            mkdir -p "$conf_dir"
            created_conf_dir=1
        fi
        trap cleanup EXIT
        printf '# Written by OpsRunbooks tests/services/install.sh; removed after install.\ncreate_main_cluster = false\n' \
            >"$NO_MAIN_CLUSTER_CONF"
    fi

    log "installing: ${missing[*]}"
    apt-get update -q >&2
    # confdef/confold: never stop at a conffile prompt (there is no terminal in CI).
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >&2

    for pkg in "${PACKAGES[@]}"; do
        if ! is_installed "$pkg"; then
            log "package $pkg is still not installed after apt-get install"
            exit 1
        fi
    done
    if [[ ! -x /usr/lib/postgresql/15/bin/initdb ]]; then
        log "/usr/lib/postgresql/15/bin/initdb not found after installing postgresql-15"
        exit 1
    fi
    # A `main` cluster that existed before (or that another tool created) is left alone on purpose.
    log "packages installed"
}

install_s3_server() {
    local dir
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/s3"
    if [[ -f "$dir/node_modules/s3rver/bin/s3rver.js" ]]; then
        log "s3rver already installed"
        return 0
    fi
    log "installing s3rver from its lockfile"
    npm ci --prefix "$dir" --no-audit --no-fund >&2
}

# Server binaries (initdb, pg_ctl, postgres, contrib with pg_stat_statements) of newer major versions
# for tests/services/postgres.sh --version N; they bring their own libraries. Their client programs are
# not packaged: pg_dump and pg_restore stay Debian's 15.
postgres_versions_run() {
    local dir="$1" version
    for version in 16 17 18; do
        "$dir/node_modules/postgres-$version/native/bin/postgres" --version >/dev/null 2>&1 || return 1
    done
}

install_postgres_versions() {
    local dir
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/postgres-versions"
    if postgres_versions_run "$dir"; then
        log "PostgreSQL 16, 17 and 18 servers already installed"
        return 0
    fi
    log "installing PostgreSQL 16, 17 and 18 servers from their lockfile"
    npm ci --prefix "$dir" --no-audit --no-fund >&2
    postgres_versions_run "$dir" || { log "a PostgreSQL 16-18 server in $dir does not run after npm ci"; exit 1; }
}

if ((with_s3)) && ! command -v npm >/dev/null; then
    PACKAGES+=(nodejs npm)
fi
install_packages
((with_s3 == 0)) || install_s3_server
((with_s3 == 0)) || install_postgres_versions
log "done"
