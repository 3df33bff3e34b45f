#!/usr/bin/env bash
# Build, test and demo OpsRunbooks on a machine with the .NET SDK and without pwsh.
#
#   ./build.sh build   build the solution and assemble the module folder out/OpsRunbooks
#   ./build.sh test    install the test servers' packages, build, and run every test
#   ./build.sh demo    back up a throwaway local PostgreSQL into out/local-store through the runner,
#                      then restore-test that backup
#
# build.ps1 offers the same tasks to users with pwsh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

configuration=${CONFIGURATION:-Debug}
runner="src/OpsRunbooks.Runner/bin/$configuration/net10.0/opsrunbook.dll"

build() {
    dotnet build OpsRunbooks.sln -c "$configuration" -nologo -clp:ErrorsOnly
}

install_services() {
    bash tests/services/install.sh
}

test_all() {
    install_services
    build
    local log
    log=$(mktemp)
    local status=0
    dotnet test OpsRunbooks.sln -c "$configuration" --no-build -nologo 2>&1 | tee "$log" || status=$?
    # dotnet test prints a summary per test assembly; add them up into one closing line.
    awk '/(Passed|Failed)! +- +Failed: /{
            gsub(",", "")
            for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
            n++ }
         END { if (n == 0) { print "no test summary found"; exit 1 } printf "%d passed, %d failed\n", p, f }' \
        "$log"
    rm -f "$log"
    return "$status"
}

demo() {
    install_services
    build
    local work=out/demo
    # A cluster left by an interrupted demo is stopped before its directory is reused.
    [[ -d "$work/pg" ]] && bash tests/services/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
    mkdir -p "$work"
    work=$(cd "$work" && pwd)
    trap 'bash tests/services/postgres.sh stop "'"$work"'/pg" >/dev/null 2>&1 || true; gpgconf --homedir "'"$work"'/gnupg" --kill all 2>/dev/null || true' EXIT

    echo "Starting a throwaway PostgreSQL with seeded data..." >&2
    set -a
    # shellcheck disable=SC1090
    source <(bash tests/services/postgres.sh start "$work/pg")
    set +a

    echo "Making a demo OpenPGP key pair in $work/gnupg..." >&2
    mkdir -m 700 "$work/gnupg"
    local gpg=(gpg --homedir "$work/gnupg" --batch --quiet --passphrase '' --pinentry-mode loopback)
    "${gpg[@]}" --quick-generate-key 'OpsRunbooks demo <demo@localhost>' rsa3072 sign never 2>/dev/null
    local fingerprint
    fingerprint=$("${gpg[@]}" --with-colons --list-keys demo@localhost | awk -F: '/^fpr/ { print $10; exit }')
    "${gpg[@]}" --quick-add-key "$fingerprint" rsa3072 encr never 2>/dev/null
    "${gpg[@]}" --armor --export "$fingerprint" > "$work/backup.pub.asc"
    "${gpg[@]}" --armor --export-secret-keys "$fingerprint" > "$work/backup.sec.asc"
    export OPSRUNBOOKS_BACKUP_KEY="$work/backup.pub.asc" OPSRUNBOOKS_BACKUP_SECRET_KEY="$work/backup.sec.asc"

    echo "Running runbooks/backup/Invoke-NightlyBackup.ps1 -Environment local through opsrunbook..." >&2
    dotnet "$runner" run runbooks/backup/Invoke-NightlyBackup.ps1 -Environment local
    echo "Running runbooks/verification/Test-RecentBackups.ps1 -Environment local -Count 1 -RestoreTest: the new backup, restored into a scratch database..." >&2
    dotnet "$runner" run runbooks/verification/Test-RecentBackups.ps1 -Environment local -Count 1 -RestoreTest
    echo "Backups are in out/local-store; decrypt one with: gpg --homedir $work/gnupg --decrypt <artifact>" >&2
}

case "${1:-build}" in
    build) build ;;
    test) test_all ;;
    demo) demo ;;
    *)
        sed -n '2,8p' "$0" >&2
        exit 2
        ;;
esac
