#!/usr/bin/env bash
# Creates and seeds a benchmark database in a cluster started by tests/services/postgres.sh,
# then reports its size (stderr, MB) so benchmark logs record what was measured.
# Usage: bench/seed-database.sh <services-dir> <database> <scale>
#   size grows linearly: ~12 MB per scale unit + ~10 MB (scale 8 ≈ 100 MB, scale 80 ≈ 1 GB).
set -euo pipefail

if (($# != 3)); then
    printf 'usage: %s <services-dir> <database> <scale>\n' "$0" >&2
    exit 2
fi
services_dir="$1"
database="$2"
scale="$3"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
"$repo_root/tests/services/postgres.sh" seed "$services_dir" "$database" --scale "$scale"

# Read the connection without sourcing the file (its PGDATA path may contain spaces).
while IFS='=' read -r key value; do
    case "$key" in
        PGHOST | PGPORT | PGUSER | PGPASSWORD) export "$key=$value" ;;
        *) ;;
    esac
done <"$services_dir/connection.env"

size_mb="$(PGDATABASE="$database" psql -X -At -v ON_ERROR_STOP=1 \
    -c 'SELECT round(pg_database_size(current_database()) / 1048576.0, 1)')"
printf 'seed-database.sh: database %s at scale %s is %s MB\n' "$database" "$scale" "$size_mb" >&2
