#!/usr/bin/env bash
# Build, test, demo and package OpsRunbooks on a machine with the .NET SDK; pwsh is not needed.
#
#   ./build.sh build     build the solution and assemble the module folder out/OpsRunbooks
#   ./build.sh test      install the test servers' packages, pwsh 7.6.9 and Pester 5.9.1 (into .tools/),
#                        build, run the xunit tests and then the Pester tests with that pwsh
#   ./build.sh demo      back up a throwaway local PostgreSQL into out/local-store through the runner,
#                        then restore-test that backup
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
    package) package ;;
    *)
        sed -n '2,12p' "$0" >&2
        exit 2
        ;;
esac
