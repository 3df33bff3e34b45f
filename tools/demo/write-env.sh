#!/usr/bin/env bash
# Writes <demo-dir>/env.sh: every variable runbooks/environments/local.psd1 refers to, for the demo's
# server and key pair, and an `opsrunbook` shell function, so that a new shell that sources it can run
# any runbook with -Environment local. It holds the database password: it is written 0600.
#
# Usage: tools/demo/write-env.sh <demo-dir> <server-dir> <runner-dll>
#   <demo-dir>    holds backup.pub.asc and backup.sec.asc; env.sh is written there
#   <server-dir>  a cluster of tests/services/postgres.sh, with its connection.env
#   <runner-dll>  the built opsrunbook.dll
set -euo pipefail

(($# == 3)) || { sed -n '6,9p' "$0" >&2; exit 2; }
demo_dir="$(cd "$1" && pwd -P)"
connection="$2/connection.env"
runner="$(cd "$(dirname "$3")" && pwd -P)/$(basename "$3")"
[[ -r "$connection" ]] || { echo "write-env.sh: $connection not found: is the demo server started?" >&2; exit 1; }

{
    echo "# Written by ./build.sh demo. Source it in a new shell:  source out/demo/env.sh"
    echo "# The demo PostgreSQL (runbooks/environments/local.psd1: DatabaseServers.primary)."
    while IFS='=' read -r key value; do
        case "$key" in
            PGHOST | PGPORT | PGUSER | PGPASSWORD | PGDATABASE) printf 'export %s=%q\n' "$key" "$value" ;;
            *) ;;
        esac
    done <"$connection"
    echo "# The demo key pair: backups are encrypted to the public key (EncryptionKey) and decrypted"
    echo "# with the secret key (DecryptionKey) by integrity tests, drills and restores."
    printf 'export OPSRUNBOOKS_BACKUP_KEY=%q\n' "$demo_dir/backup.pub.asc"
    printf 'export OPSRUNBOOKS_BACKUP_SECRET_KEY=%q\n' "$demo_dir/backup.sec.asc"
    echo "# The runner, as built by ./build.sh build: opsrunbook run <script> -Environment local"
    printf 'opsrunbook() { dotnet %q "$@"; }\n' "$runner"
} | (umask 077 && cat >"$demo_dir/env.sh.tmp")
mv "$demo_dir/env.sh.tmp" "$demo_dir/env.sh"
