#!/usr/bin/env bash
# Build, test, demo and package OpsRunbooks on a machine with the .NET SDK; pwsh is not needed.
#
#   ./build.sh build     build the solution and assemble the module folder out/OpsRunbooks
#   ./build.sh test      install the test servers' packages, pwsh 7.6.9 and Pester 5.9.1 (into .tools/),
#                        build, run the xunit tests and then the Pester tests with that pwsh
#   ./build.sh demo [--fresh]
#                        back up a throwaway local PostgreSQL twice into out/local-store through the
#                        runner, restore-test the newest backup, and leave the server running and
#                        out/demo/env.sh for -Environment local; reuses the server's data and the key
#                        pair of an earlier demo (--fresh: start over, removing them and the backups)
#   ./build.sh demo-start | demo-stop
#                        start the demo's server again (after a reboot) and rewrite out/demo/env.sh | stop it
#   ./build.sh package   build in Release and write out/package/ (module, runner, runbooks, launcher)
#                        and out/opsrunbooks-<version>.tar.gz of it
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

pwsh_version=7.6.9
pwsh=.tools/pwsh/pwsh
pester_module=.tools/nuget/pester/5.9.1/tools

# The PowerShell .NET tool into .tools/pwsh (git-ignored); skipped when that version is already there.
install_pwsh() {
    if [[ -x "$pwsh" ]] && [[ "$("$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()')" == "$pwsh_version" ]]; then
        return
    fi
    rm -rf .tools/pwsh
    dotnet tool install --tool-path .tools/pwsh PowerShell --version "$pwsh_version"
}

# Pester from NuGet into .tools/nuget (git-ignored); the package's tools/ folder is the module.
install_pester() {
    dotnet restore tools/Pester/Pester.Restore.csproj -nologo -verbosity:quiet
}

test_all() {
    install_services
    install_pwsh
    install_pester
    build
    local log counts
    log=$(mktemp)
    counts=$(mktemp)
    local status=0
    dotnet test OpsRunbooks.sln -c "$configuration" --no-build -nologo 2>&1 | tee "$log" || status=$?
    "$pwsh" -NoProfile -NonInteractive -File tools/Pester/Invoke-PesterTests.ps1 -PesterPath "$pester_module" -CountsFile "$counts" || status=1
    # The xunit failures again, near the end, where the tail of a long log shows them.
    awk '/^  Failed .+ \[[^]]+\]$/ { print; grab = 4; next }
         /^  (Stack Trace|Standard Output Messages):/ { grab = 0 }
         grab > 0 && !/^  Error Message:/ { print; grab-- }' "$log"
    # dotnet test prints a summary per test assembly and the Pester run writes "<passed> <failed>";
    # add them all up into one closing line.
    awk 'FNR == NR && /(Passed|Failed)! +- +Failed: / {
            gsub(",", "")
            for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
            n++ }
         FNR != NR && NF == 2 { p += $1; f += $2; pester = 1 }
         END {
            if (n == 0) { print "no xunit test summary found"; exit 1 }
            if (!pester) { print "no Pester result found"; exit 1 }
            printf "%d passed, %d failed\n", p, f }' \
        "$log" "$counts" || status=1
    rm -f "$log" "$counts"
    return "$status"
}

# The demo's state, kept between runs so its backups stay decryptable and restorable.
demo_dir=out/demo             # 0700: the key pair, its gpg home and env.sh (which holds the password)
demo_server=out/demo-postgres # the throwaway PostgreSQL; outside demo_dir, which its own user cannot enter
demo_store=out/local-store    # local.psd1's Store

# Starts the demo server: the one of an earlier demo with its data, else a new one with seeded data.
demo_start_server() {
    if [[ -d "$demo_server/data" ]]; then
        echo "Starting the demo PostgreSQL of an earlier demo in $demo_server, with its data..." >&2
        bash tests/services/postgres.sh resume "$demo_server" >/dev/null ||
            { echo "The demo server in $demo_server does not start: start over with ./build.sh demo --fresh" >&2; return 1; }
    else
        echo "Starting a throwaway PostgreSQL with seeded data in $demo_server..." >&2
        rm -rf "$demo_server"
        bash tests/services/postgres.sh start "$demo_server" >/dev/null
    fi
}

# The demo key pair, made once. Backups in the store are encrypted to the pair they were made with, so a
# new pair comes with an empty store.
demo_key_pair() {
    if [[ -s "$demo_dir/backup.pub.asc" && -s "$demo_dir/backup.sec.asc" ]]; then
        echo "Using the demo key pair of an earlier demo in $demo_dir" >&2
    else
        echo "Making a demo OpenPGP key pair in $demo_dir/gnupg (and emptying $demo_store)..." >&2
        rm -rf "$demo_dir/gnupg" "$demo_store"
        mkdir -m 700 "$demo_dir/gnupg"
        local gpg=(gpg --homedir "$demo_dir/gnupg" --batch --quiet --passphrase '' --pinentry-mode loopback)
        "${gpg[@]}" --quick-generate-key 'OpsRunbooks demo <demo@localhost>' rsa3072 sign never 2>/dev/null
        local fingerprint
        fingerprint=$("${gpg[@]}" --with-colons --list-keys demo@localhost | awk -F: '/^fpr/ { print $10; exit }')
        "${gpg[@]}" --quick-add-key "$fingerprint" rsa3072 encr never 2>/dev/null
        "${gpg[@]}" --armor --export "$fingerprint" > "$demo_dir/backup.pub.asc"
        (umask 077 && "${gpg[@]}" --armor --export-secret-keys "$fingerprint" > "$demo_dir/backup.sec.asc")
        gpgconf --homedir "$demo_dir/gnupg" --kill all 2>/dev/null || true
    fi
    # Also tightens what an earlier demo left readable.
    chmod 600 "$demo_dir/backup.sec.asc"
}

demo_write_env() {
    bash tools/demo/write-env.sh "$demo_dir" "$demo_server" "$runner"
}

package() {
    configuration=Release
    build
    local root=out/package version
    version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
    rm -rf "$root"
    mkdir -p "$root"
    cp -r out/OpsRunbooks "$root/OpsRunbooks"
    cp -r runbooks "$root/runbooks"
    # Framework-dependent: the server needs the .NET 10 runtime, not the SDK.
    dotnet publish src/OpsRunbooks.Runner -c Release --no-build -nologo -clp:ErrorsOnly -o "$root/runner"
    install -m 755 tools/package/opsrunbook "$root/opsrunbook"
    tar -czf "out/opsrunbooks-$version.tar.gz" -C out package
    echo "Wrote $root and out/opsrunbooks-$version.tar.gz" >&2
}

demo() {
    case "${1:-}" in
        "") ;;
        --fresh)
            echo "Starting over: removing the demo server, key pair and backups..." >&2
            demo_stop
            rm -rf "$demo_dir" "$demo_server" "$demo_store"
            ;;
        *)
            echo "usage: ./build.sh demo [--fresh]" >&2
            exit 2
            ;;
    esac
    bash tests/services/install.sh --no-s3
    build
    mkdir -p "$demo_dir"
    chmod 700 "$demo_dir"
    demo_start_server
    demo_key_pair
    demo_write_env
    # The runbooks run with exactly what a new shell gets from env.sh.
    # shellcheck disable=SC1091
    source "$demo_dir/env.sh"

    local run
    for run in 1 2; do
        echo "Backup $run of 2 (a restore drill restores one that is not the newest): runbooks/backup/Invoke-NightlyBackup.ps1 -Environment local..." >&2
        dotnet "$runner" run runbooks/backup/Invoke-NightlyBackup.ps1 -Environment local
    done
    echo "Running runbooks/verification/Test-RecentBackups.ps1 -Environment local -Count 1 -RestoreTest: the newest backup, restored into a scratch database..." >&2
    dotnet "$runner" run runbooks/verification/Test-RecentBackups.ps1 -Environment local -Count 1 -RestoreTest

    cat >&2 <<EOF

The demo PostgreSQL keeps running on 127.0.0.1:$PGPORT (data in $demo_server; ./build.sh demo-stop
stops it, ./build.sh demo-start starts it again). Backups: $demo_store. Key pair and env.sh: $demo_dir.
In a new shell:

    source $demo_dir/env.sh
    opsrunbook run runbooks/verification/Test-MorningBackupStatus.ps1 -Environment local
    opsrunbook run runbooks/verification/Invoke-RestoreDrill.ps1 -Environment local
    opsrunbook run runbooks/backup/Invoke-BackupRetention.ps1 -Environment local -WhatIf
EOF
}

demo_start() {
    [[ -s "$demo_dir/backup.sec.asc" ]] || { echo "No demo yet: run ./build.sh demo" >&2; exit 1; }
    demo_start_server
    demo_write_env
    echo "The demo PostgreSQL is running; source $demo_dir/env.sh in a new shell." >&2
}

demo_stop() {
    bash tests/services/postgres.sh stop "$demo_server"
}

case "${1:-build}" in
    build) build ;;
    test) test_all ;;
    demo) demo "${@:2}" ;;
    demo-start) demo_start ;;
    demo-stop) demo_stop ;;
    package) package ;;
    *)
        sed -n '2,16p' "$0" >&2
        exit 2
        ;;
esac
