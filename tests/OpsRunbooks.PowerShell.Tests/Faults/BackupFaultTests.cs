using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using Npgsql;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests.Faults;

/// <summary>
/// What machines and people do to backups, restores and restore tests (issue 9's findings 7, 8, 10, 11 and 12),
/// against the real PostgreSQL: each test failed before its fix.
/// </summary>
[Collection(ServicesCollection.Name)]
[Trait("Category", "Fault")]
public sealed class BackupFaultTests(ServicesFixture services) : IAsyncLifetime
{
    private const string Restore =
        "$backup | Restore-DatabaseBackup -TargetDatabase $args[0] -Server $server -Port $port -Credential $credential -DecryptionKey $secretKey -Confirm:$false";

    private readonly BackupTestContext _context = new(services);
    private readonly List<string> _databases = [];

    private PostgresService Postgres => services.Postgres;

    public Task InitializeAsync()
    {
        _context.Session.SetVariable("secretKey", services.Keys.PrivateKeyPath);
        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------------------------------------
    // 7. A record piped into Test-BackupIntegrity binds wherever its environment's file is.

    [Fact]
    public void ARecordWhoseEnvironmentHasNoFileHereBindsToTestBackupIntegrityAsToRestore()
    {
        using var environment = new TestEnvironment(services, name: "elsewhere", storeEntry: _context.Store.EnvironmentEntry);
        var made = _context.Session.Invoke("Invoke-DatabaseBackup -Environment (Get-OpsEnvironment -Name $args[0] -Path $args[1]) -Store $store",
            environment.Name, environment.Directory).EnsureSuccess().Backups().Single();
        Assert.Equal("elsewhere", made.Source.Properties["Environment"].Value);

        // No elsewhere.psd1 where the current directory or $env:OPSRUNBOOKS_ENVIRONMENT_PATH would look.
        var checkedHere = _context.Session.Invoke("Get-DatabaseBackup -Store $store | Test-BackupIntegrity -DecryptionKey $secretKey").EnsureSuccess();
        var report = Assert.Single(checkedHere.Integrity());
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Passed", "Archive:Passed"], report.Statuses.Take(4));

        var restoreTested = _context.Session.Invoke(
            "Get-DatabaseBackup -Store $store | Test-BackupIntegrity -DecryptionKey $secretKey -RestoreTest -RestoreTestServer $server -RestoreTestPort $port -Credential $credential")
            .EnsureSuccess().Integrity().Single();
        Assert.True(restoreTested.Passed, restoreTested.CauseDetail);
        Assert.True(restoreTested.RestoreTested);

        // Where the environment is needed and cannot be read, that backup's error says so; nothing fails to bind.
        var noServer = _context.Session.Invoke("Get-DatabaseBackup -Store $store | Test-BackupIntegrity -DecryptionKey $secretKey -RestoreTest");
        var error = noServer.SingleError();
        Assert.StartsWith("RestoreTestServerMissing,", error.FullyQualifiedErrorId);
        Assert.Contains("'elsewhere'", error.ToString());
        Assert.Contains("elsewhere.psd1", error.ToString());

        // Without -DecryptionKey the environment's key cannot be used: a warning, and the checks that need a key are Skipped.
        var noKey = _context.Session.Invoke("Get-DatabaseBackup -Store $store | Test-BackupIntegrity").EnsureSuccess();
        Assert.Equal("Decrypt:Skipped", Assert.Single(noKey.Integrity()).Statuses[2]);
        Assert.Contains("'elsewhere'", Assert.Single(noKey.Warnings).Message);
    }

    // ---------------------------------------------------------------------------------------------
    // 8. No raw .NET type name becomes an error id.

    [Fact]
    public async Task AFullTemporaryDiskDuringAParallelRestoreIsBackupIOFailedAndLeavesNothing()
    {
        _context.Session.SetVariable("backup", _context.BackUpSeed(1).Single().Source);
        var tmp = Directory.CreateTempSubdirectory("opsrunbooks-fault-tmp-").FullName;
        (await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", tmp])).EnsureSuccess("mount tmpfs");
        var previous = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", tmp);
        try
        {
            var target = NewDatabaseName();
            var error = _context.Session.Invoke(Restore + " -Jobs 2", target).SingleError();

            Assert.StartsWith("BackupIOFailed,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            Assert.Contains("-Jobs 1", error.ToString());
            Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'", "postgres"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TMPDIR", previous);
            await ProcessRunner.RunAsync("umount", [tmp]);
            Directory.Delete(tmp);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 10. Names over PostgreSQL's 63 bytes.

    [Fact]
    public async Task ARestoreTargetOver63BytesIsRefusedBeforeAnythingIsDoneAndOneOf63BytesIsRestoredAndReplaced()
    {
        _context.Session.SetVariable("backup", _context.BackUpSeed(1).Single().Source);
        var tooLong = "fault_" + new string('é', 29); // 64 bytes
        var cut = "fault_" + new string('é', 28);     // what PostgreSQL would have kept
        _databases.AddRange([tooLong, cut]);
        var filesBefore = _context.StoreFiles();

        var error = _context.Session.Invoke(Restore, tooLong).SingleError();

        Assert.StartsWith("DatabaseNameTooLong,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("64 bytes", error.ToString());
        Assert.Equal("", await Postgres.QueryAsync("SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'fault\\_é%'", "postgres"));
        Assert.Equal(filesBefore, _context.StoreFiles());

        var longest = "fault_" + new string('é', 28) + "x"; // 63 bytes
        Assert.Equal(63, Encoding.UTF8.GetByteCount(longest));
        _databases.Add(longest);
        var restored = _context.Session.Invoke(Restore, longest).EnsureSuccess().Output.Single();
        Assert.Equal(longest, restored.Properties["TargetDatabase"].Value);
        Assert.Equal(longest, await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{longest}'", "postgres"));

        // Replacing it goes through a restoring database whose generated name fits too, and ends under the exact name.
        var replaced = _context.Session.Invoke(Restore + " -Force -EncryptionKey $key", longest).EnsureSuccess().Output.Single();
        Assert.True((bool)replaced.Properties["ReplacedExisting"].Value);
        Assert.Equal("120000", await Postgres.QueryAsync("SELECT count(*) FROM public.orders", longest));
        Assert.Equal("", await Postgres.QueryAsync("SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'fault\\_%\\_re%'", "postgres"));
    }

    // ---------------------------------------------------------------------------------------------
    // 11. A client program killed by a signal is reported with the signal's name.

    [Fact]
    public async Task APgDumpKilledBySigkillIsReportedAsSuchAndLeavesNothingInTheStore()
    {
        using var pgDump = new PausedPgClient(pauseSeconds: 300);
        using var shell = _context.Session.CreateShell();
        shell.AddScript(BackupTestContext.BackupSeed + " -PgDumpPath $args[0]").AddArgument(pgDump.PathName);
        var running = shell.BeginInvoke();

        Process.GetProcessById(await PausedProcessAsync(pgDump)).Kill();
        shell.EndInvoke(running);

        var error = Assert.Single(shell.Streams.Error);
        Assert.StartsWith("PgDumpFailed,", error.FullyQualifiedErrorId);
        Assert.Contains("was killed by SIGKILL (signal 9, exit code 137)", error.ToString());
        Assert.Empty(pgDump.RunningProcesses());
        Assert.Empty(_context.StoreFiles());
    }

    [Fact]
    public async Task APgRestoreKilledBySigtermIsReportedAsSuchAndItsDatabaseDropped()
    {
        _context.Session.SetVariable("backup", _context.BackUpSeed(1).Single().Source);
        var target = NewDatabaseName();
        using var pgRestore = new PausedPgClient(pauseSeconds: 300, program: "pg_restore");
        using var shell = _context.Session.CreateShell();
        shell.AddScript(Restore + " -PgRestorePath $args[1]").AddArgument(target).AddArgument(pgRestore.PathName);
        var running = shell.BeginInvoke();

        (await ProcessRunner.RunAsync("kill", ["-TERM", (await PausedProcessAsync(pgRestore)).ToString(CultureInfo.InvariantCulture)])).EnsureSuccess("kill");
        shell.EndInvoke(running);

        var error = Assert.Single(shell.Streams.Error);
        Assert.StartsWith("PgRestoreFailed,", error.FullyQualifiedErrorId);
        Assert.Contains("was killed by SIGTERM (signal 15, exit code 143)", error.ToString());
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'", "postgres"));
    }

    // ---------------------------------------------------------------------------------------------
    // 12. What a killed process left behind is found and removed, and nothing else is.

    [Fact]
    public async Task ClearBackupLeftoverRemovesWhatKilledRunsLeftBehindAndNothingElse()
    {
        _context.BackUpSeed(1);
        var scratch = await LeaveScratchDatabaseBehindAsync();
        var partial = await LeavePartialBehindAsync();

        // Look-alikes that are not generated names, and an unfinished restore two days old that someone is connected to.
        var decoys = new[] { "opsrunbooks_verify_decoy", scratch + "0", scratch.Replace("opsrunbooks_verify_", "opsrunbooks_verifx_") };
        var restoring = string.Create(CultureInfo.InvariantCulture, $"fault_restoring_{DateTime.UtcNow.AddDays(-2):yyyyMMddHHmmss}_0a1b2c");
        foreach (var name in decoys.Append(restoring))
        {
            _databases.Add(name);
            await Postgres.CreateDatabaseAsync(name);
        }
        await using var session = new NpgsqlConnection(
            $"Host={Postgres.Host};Port={Postgres.Port};Username={Postgres.User};Password={Postgres.Password};Database={restoring};Pooling=false");
        await session.OpenAsync();

        const string clear = "Clear-BackupLeftover -Server $server -Port $port -Credential $credential -Store $store";
        var listed = _context.Session.Invoke(clear + " -OlderThan 0 -WhatIf").EnsureSuccess().Output;
        var ours = listed.Where(o => (string)o.Properties["Name"].Value is var n && (n == scratch || n == restoring)).ToList();
        Assert.Equal(2, ours.Count);
        var write = listed.Single(o => o.Properties["Kind"].Value.ToString() == "IncompleteWrite");
        Assert.Equal(partial, write.Properties["Name"].Value);
        Assert.True((long)write.Properties["Size"].Value! > 0);
        Assert.True(File.Exists(Path.Combine(_context.StorePath, partial)));
        Assert.DoesNotContain(listed, o => decoys.Contains((string)o.Properties["Name"].Value));
        Assert.All(listed, o => Assert.False((bool)o.Properties["Removed"].Value));
        var restoringLeftover = ours.Single(o => (string)o.Properties["Name"].Value == restoring);
        Assert.Equal("RestoringDatabase", restoringLeftover.Properties["Kind"].Value.ToString());
        Assert.Equal(1, restoringLeftover.Properties["Sessions"].Value);
        Assert.True((TimeSpan)restoringLeftover.Properties["Age"].Value > TimeSpan.FromDays(1.9));
        Assert.Equal("ScratchDatabase", ours.Single(o => (string)o.Properties["Name"].Value == scratch).Properties["Kind"].Value.ToString());
        Assert.Equal(scratch, await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{scratch}'", "postgres"));

        // By default only what is older than a day: the fresh scratch database may belong to a test still running.
        var byDefault = _context.Session.Invoke(clear + " -WhatIf").EnsureSuccess().Output.Select(o => (string)o.Properties["Name"].Value).ToList();
        Assert.Contains(restoring, byDefault);
        Assert.DoesNotContain(scratch, byDefault);

        // Removed: the scratch database. Left alone, as an error: the database someone is connected to.
        var cleared = _context.Session.Invoke(clear + " -OlderThan 0 -Confirm:$false");
        Assert.True((bool)cleared.Output.Single(o => (string)o.Properties["Name"].Value == scratch).Properties["Removed"].Value);
        Assert.True((bool)cleared.Output.Single(o => (string)o.Properties["Name"].Value == partial).Properties["Removed"].Value);
        Assert.Empty(_context.StoreFiles().Where(f => f.EndsWith(".partial", StringComparison.Ordinal)));
        Assert.Single(_context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups());
        Assert.False((bool)cleared.Output.Single(o => (string)o.Properties["Name"].Value == restoring).Properties["Removed"].Value);
        var inUse = Assert.Single(cleared.Errors);
        Assert.StartsWith("LeftoverInUse,", inUse.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceBusy, inUse.CategoryInfo.Category);
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{scratch}'", "postgres"));
        Assert.Equal(restoring, await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{restoring}'", "postgres"));

        // -Force ends the session and drops it; the look-alikes are all still there.
        var forced = _context.Session.Invoke(clear + " -OlderThan 0 -Force -Confirm:$false").EnsureSuccess();
        Assert.True((bool)forced.Output.Single(o => (string)o.Properties["Name"].Value == restoring).Properties["Removed"].Value);
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{restoring}'", "postgres"));
        Assert.Equal(decoys.Order(StringComparer.Ordinal), (await Postgres.QueryAsync(
            $"SELECT string_agg(datname, ',' ORDER BY datname COLLATE \"C\") FROM pg_database WHERE datname IN ({string.Join(", ", decoys.Select(d => $"'{d}'"))})", "postgres")).Split(','));
    }

    /// <summary>
    /// Runs a restore test in a runner process and kills it with SIGKILL while the test restore runs, as the
    /// out-of-memory killer would: its own cleanup never runs. Returns the scratch database it left.
    /// </summary>
    private async Task<string> LeaveScratchDatabaseBehindAsync()
    {
        using var pgRestore = new PausedPgClient(pauseSeconds: 300, program: "pg_restore", passThroughArgument: "--list");
        await RunAndKillAsync(pgRestore, """
            Get-DatabaseBackup -Store (New-BackupStore -Path $env:FAULT_STORE) |
                Test-BackupIntegrity -DecryptionKey $env:FAULT_KEY -RestoreTest -RestoreTestServer $env:PGHOST -RestoreTestPort $env:PGPORT -Credential $credential -PgRestorePath $env:FAULT_CLIENT
            """);
        var scratch = await Postgres.QueryAsync("SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'opsrunbooks\\_verify\\_%'", "postgres");
        Assert.False(string.IsNullOrEmpty(scratch) || scratch.Contains(','), $"expected one scratch database, found '{scratch}'");
        _databases.Add(scratch);
        return scratch;
    }

    /// <summary>Runs a backup in a runner process and kills it with SIGKILL before it completes; returns the .partial it left in the store.</summary>
    private async Task<string> LeavePartialBehindAsync()
    {
        using var pgDump = new PausedPgClient(pauseSeconds: 300);
        await RunAndKillAsync(pgDump, """
            Invoke-DatabaseBackup -Server $env:PGHOST -Port $env:PGPORT -Database $env:FAULT_DATABASE -Credential $credential `
                -Store (New-BackupStore -Path $env:FAULT_STORE) -EncryptionKey $env:FAULT_PUBLIC_KEY -PgDumpPath $env:FAULT_CLIENT
            """);
        return Assert.Single(_context.StoreFiles(), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }

    /// <summary>
    /// Runs <paramref name="script"/> (with $credential set from PG* variables) in a runner process until
    /// <paramref name="client"/> pauses, then kills the runner with SIGKILL and the paused client after it.
    /// </summary>
    private async Task RunAndKillAsync(PausedPgClient client, string script)
    {
        var path = Path.Combine(Path.GetTempPath(), "opsrunbooks-fault-" + Guid.NewGuid().ToString("N")[..8] + ".ps1");
        await File.WriteAllTextAsync(path, """
            $secure = [System.Security.SecureString]::new()
            foreach ($c in $env:PGPASSWORD.ToCharArray()) { $secure.AppendChar($c) }
            $credential = [pscredential]::new($env:PGUSER, $secure)

            """ + script);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { RunnerTests.Runner, "run", path }) start.ArgumentList.Add(argument);
        start.Environment["PGHOST"] = Postgres.Host;
        start.Environment["PGPORT"] = Postgres.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = Postgres.User;
        start.Environment["PGPASSWORD"] = Postgres.Password;
        start.Environment["FAULT_STORE"] = _context.StorePath;
        start.Environment["FAULT_KEY"] = services.Keys.PrivateKeyPath;
        start.Environment["FAULT_PUBLIC_KEY"] = services.Keys.PublicKeyPath;
        start.Environment["FAULT_DATABASE"] = Postgres.SeedDatabase;
        start.Environment["FAULT_CLIENT"] = client.PathName;
        try
        {
            using var runner = Process.Start(start)!;
            try
            {
                await PausedProcessAsync(client);
            }
            finally
            {
                runner.Kill(entireProcessTree: false);
                await runner.WaitForExitAsync();
            }
        }
        finally
        {
            foreach (var orphan in client.RunningProcesses()) Process.GetProcessById(orphan).Kill();
            File.Delete(path);
        }
    }

    /// <summary>The process id of the paused client once its real work is done and it pauses, its output still open.</summary>
    private static async Task<int> PausedProcessAsync(PausedPgClient client)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            foreach (var pid in client.PausingProcesses()) return pid;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{client.PathName} did not reach its pause.");
    }

    private string NewDatabaseName()
    {
        var name = "fault_" + Guid.NewGuid().ToString("N")[..10];
        _databases.Add(name);
        return name;
    }

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
            await Postgres.DropDatabaseAsync(database);
        _context.Dispose();
    }
}
