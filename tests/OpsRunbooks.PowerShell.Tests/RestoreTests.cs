using System.Management.Automation;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>Restore-DatabaseBackup against the real server: new targets, replaced targets, and every way it must leave nothing half done.</summary>
[Collection(ServicesCollection.Name)]
public sealed class RestoreTests(ServicesFixture services) : IAsyncLifetime
{
    private const string Restore =
        "$backup | Restore-DatabaseBackup -TargetDatabase $target -Server $server -Port $port -Credential $credential -DecryptionKey $privateKey -Confirm:$false";

    private static readonly string FallbackRunbook = RepositoryPaths.Combine("runbooks", "recovery", "Restore-DatabaseWithFallback.ps1");

    private readonly List<string> _databases = [];
    private BackupTestContext? _context;

    private BackupTestContext Context => _context ?? throw new InvalidOperationException("Not initialized.");
    private PostgresService Postgres => services.Postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task RestoringIntoANewDatabaseGivesTheManifestsRows(string kind)
    {
        var backup = BackUp(kind);
        var target = NewTarget();

        var result = Context.Session.Invoke(Restore).EnsureSuccess();

        var restored = Assert.Single(result.Restores());
        Assert.Equal(target, restored.TargetDatabase);
        Assert.Equal(backup.Id, restored.BackupId);
        Assert.Equal(Postgres.SeedDatabase, restored.Database);
        Assert.True(restored.RowCountsMatch);
        Assert.False(restored.ReplacedExisting);
        Assert.Null(restored.EmergencyBackup);
        Assert.Equal(backup.TableRowCounts, restored.TableRowCounts);
        Assert.True(restored.RestoreDuration <= restored.Duration);
        await AssertHoldsAsync(backup, target);
        Assert.Equal(
            await Postgres.QueryAsync("SELECT md5(string_agg(md5(content), '' ORDER BY id)) FROM documents"),
            await Postgres.QueryAsync("SELECT md5(string_agg(md5(content), '' ORDER BY id)) FROM documents", target));
        Assert.Equal("1042", await Postgres.QueryAsync("SELECT last_value FROM invoice_number_seq", target));
        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("Restoring", StringComparison.Ordinal));
        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("Verifying", StringComparison.Ordinal));
        Assert.Equal("", await LeftoversOf(target));
    }

    [Fact]
    public async Task AnExistingTargetIsRefusedWithoutForceAndLeftAlone()
    {
        BackUp(TestStores.Local);
        var target = NewTarget();
        await CreateWithMarkerAsync(target);
        var filesBefore = Context.StoreFiles();

        var error = Context.Session.Invoke(Restore).SingleError();

        Assert.StartsWith("TargetDatabaseExists,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("-Force", error.ToString());
        Assert.Equal("kept", await Postgres.QueryAsync("SELECT note FROM marker", target));
        Assert.Equal("", await Postgres.QueryAsync("SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'orders'", target));
        Assert.Equal(filesBefore, Context.StoreFiles());
        Assert.Equal("", await LeftoversOf(target));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task ForceReplacesTheTargetAfterAnEmergencyBackupThatRestoresItself(string kind)
    {
        var backup = BackUp(kind);
        var target = NewTarget();
        Context.Session.Invoke(Restore).EnsureSuccess();
        await Postgres.QueryAsync("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('written after the backup'); DELETE FROM audit.events WHERE id <= 10", target);

        var result = Context.Session.Invoke(Restore + " -Force -EncryptionKey $key -Verbose -InformationVariable information; $information").EnsureSuccess();

        var replaced = Assert.Single(result.Restores());
        Assert.True(replaced.ReplacedExisting);
        Assert.True(replaced.RowCountsMatch);
        var emergency = replaced.EmergencyBackup ?? throw new Xunit.Sdk.XunitException("no emergency backup in the result");
        Assert.Equal(target, emergency.Database);
        Assert.Equal(4990, emergency.TableRowCounts["audit.events"]);
        Assert.Equal(1, emergency.TableRowCounts["public.marker"]);
        Assert.Contains(result.Verbose, v => v.Message.Contains(emergency.Id, StringComparison.Ordinal));
        var information = Assert.Single(result.Output.Select(o => o.BaseObject).OfType<InformationRecord>());
        Assert.Contains("EmergencyBackup", information.Tags);
        Assert.Equal(emergency.Id, new BackupView(PSObject.AsPSObject(information.MessageData)).Id);
        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("Emergency backup", StringComparison.Ordinal));
        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("Swapping", StringComparison.Ordinal));

        // The target holds the backup's data again.
        Assert.Equal("", await Postgres.QueryAsync("SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'marker'", target));
        await AssertHoldsAsync(backup, target);
        Assert.Equal("", await LeftoversOf(target));

        // The emergency backup is a listed backup in the same store, and it restores with the marker row.
        var listed = Context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $args[0]", target).EnsureSuccess().Backups();
        Assert.Equal([emergency.Id], listed.Select(b => b.Id));
        Assert.Contains(emergency.ArtifactName, Context.StoreFiles());
        var copy = NewTarget();
        Context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $args[0] | Restore-DatabaseBackup -TargetDatabase $target -Server $server -Port $port -Credential $credential -DecryptionKey $privateKey -Confirm:$false",
            target).EnsureSuccess();
        Assert.Equal("written after the backup", await Postgres.QueryAsync("SELECT note FROM marker", copy));
        Assert.Equal("4990", await Postgres.QueryAsync("SELECT count(*) FROM audit.events", copy));
    }

    [Fact]
    public async Task AnEnvironmentFileGivesTheServerAndTheKeys()
    {
        var backup = BackUp(TestStores.Local);
        var target = NewTarget();
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-env-restore-").FullName;
        var passwordVariable = "OPSRUNBOOKS_TEST_RESTORE_PG_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        Environment.SetEnvironmentVariable(passwordVariable, Postgres.Password);
        try
        {
            File.WriteAllText(Path.Combine(directory, "restoring.psd1"), $$"""
                @{
                    DatabaseServers = @{ main = @{ Host = '{{Postgres.Host}}'; Port = {{Postgres.Port}}; User = '{{Postgres.User}}'; Password = 'env:{{passwordVariable}}' } }
                    Databases = @( @{ Name = '{{Postgres.SeedDatabase}}' } )
                    Store = {{((LocalTestStore)Context.Store).EnvironmentEntry}}
                    EncryptionKey = '{{services.Keys.PublicKeyPath}}'
                    DecryptionKey = '{{services.Keys.PrivateKeyPath}}'
                }
                """);
            var result = Context.Session.Invoke(
                "$environment = Get-OpsEnvironment restoring -Path $args[0]; Get-DatabaseBackup -Environment $environment | Restore-DatabaseBackup -Environment $environment -TargetDatabase $target -Confirm:$false",
                directory).EnsureSuccess();

            var restored = Assert.Single(result.Restores());
            Assert.Equal(backup.Id, restored.BackupId);
            Assert.Equal(backup.TableRowCounts["public.orders"].ToString(), await Postgres.QueryAsync("SELECT count(*) FROM orders", target));
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ParallelJobsRestoreFromAPrivateTemporaryFileThatIsDeleted()
    {
        var backup = BackUp(TestStores.Local);
        var target = NewTarget();
        var report = Path.Combine(Context.StorePath, "pg_restore-arguments.txt");
        var wrapper = Path.Combine(Context.StorePath, "pg_restore-wrapper.sh");
        File.WriteAllText(wrapper, $$"""
            #!/bin/bash
            if [ "$1" = --version ]; then exec pg_restore --version; fi
            for last in "$@"; do :; done
            { echo "$*"; stat -c '%a' "$(dirname "$last")"; stat -c '%a %s' "$last"; } > '{{report}}'
            exec pg_restore "$@"
            """.Replace("\r", ""));
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = Context.Session.Invoke(Restore + " -Jobs 2 -PgRestorePath $args[0] -Verbose", wrapper).EnsureSuccess();

        Assert.True(Assert.Single(result.Restores()).RowCountsMatch);
        await AssertHoldsAsync(backup, target);
        var lines = File.ReadAllLines(report);
        Assert.Contains("--jobs 2", lines[0]);
        Assert.DoesNotContain(Postgres.Password, lines[0]);
        var archive = lines[0].Split(' ')[^1];
        Assert.Equal("700", lines[1]);
        Assert.Equal($"600 {backup.DumpBytes}", lines[2]);
        Assert.Contains(result.Verbose, v => v.Message.Contains(archive, StringComparison.Ordinal));
        Assert.False(File.Exists(archive));
        Assert.False(Directory.Exists(Path.GetDirectoryName(archive)));
        Assert.Equal("", await LeftoversOf(target));
    }

    [Fact]
    public async Task WhatIfChangesNothing()
    {
        BackUp(TestStores.Local);
        var target = NewTarget();
        var result = Context.Session.Invoke(Restore + " -WhatIf").EnsureSuccess();
        Assert.Empty(result.Output);
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'"));

        await CreateWithMarkerAsync(target);
        var filesBefore = Context.StoreFiles();
        result = Context.Session.Invoke(Restore + " -Force -EncryptionKey $key -WhatIf").EnsureSuccess();
        Assert.Empty(result.Output);
        await AssertUntouchedAsync(target, filesBefore);
    }

    [Fact]
    public async Task ReplacingWithoutAKeyForTheEmergencyBackupIsRefusedBeforeAnythingChanges()
    {
        BackUp(TestStores.Local);
        var target = NewTarget();
        await CreateWithMarkerAsync(target);
        var filesBefore = Context.StoreFiles();

        var error = Context.Session.Invoke(Restore + " -Force").SingleError();

        Assert.StartsWith("EncryptionKeyMissing,", error.FullyQualifiedErrorId);
        Assert.Contains("-EncryptionKey", error.ToString());
        await AssertUntouchedAsync(target, filesBefore);
    }

    [Fact]
    public async Task AWrongDecryptionKeyFailsAndLeavesNoDatabaseAndNoEmergencyBackup()
    {
        BackUp(TestStores.Local);
        var target = NewTarget();
        Context.Session.SetVariable("privateKey", services.OtherKeys.PrivateKeyPath);

        var error = Context.Session.Invoke(Restore).SingleError();
        Assert.StartsWith("DecryptionFailed,", error.FullyQualifiedErrorId);
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'"));

        await CreateWithMarkerAsync(target);
        var filesBefore = Context.StoreFiles();
        error = Context.Session.Invoke(Restore + " -Force -EncryptionKey $key").SingleError();
        Assert.StartsWith("DecryptionFailed,", error.FullyQualifiedErrorId);
        await AssertUntouchedAsync(target, filesBefore);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ACorruptedArtifactIsAChecksumMismatchAndLeavesNoDatabase(int jobs)
    {
        var backup = BackUp(TestStores.Local);
        var artifact = Path.Combine(Context.StorePath, backup.ArtifactName);
        var bytes = await File.ReadAllBytesAsync(artifact);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(artifact, bytes);
        var target = NewTarget();
        var scratchBefore = ScratchDirectories();

        var error = Context.Session.Invoke(Restore + " -Jobs $args[0]", jobs).SingleError();

        Assert.StartsWith("ChecksumMismatch,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'"));
        Assert.Equal("", await LeftoversOf(target));
        Assert.Equal(scratchBefore, ScratchDirectories());
    }

    [Fact]
    public async Task StoppingARestoreLeavesNoHalfRestoredTarget()
    {
        BackUp(TestStores.Local);
        var target = NewTarget();
        using var pgRestore = new PausedPgClient(pauseSeconds: 300, program: "pg_restore");
        using var shell = Context.Session.CreateShell();
        shell.AddScript(Restore + " -PgRestorePath $args[0]").AddArgument(pgRestore.PathName);
        var running = await PausedPgClient.BeginUntilPhaseAsync(shell, "Restoring");
        await Eventually.WaitForAsync(() => pgRestore.RunningProcesses().Any(), "the paused pg_restore to run", TimeSpan.FromSeconds(30));
        Assert.Equal(target, await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'"));

        await Task.Factory.FromAsync(shell.BeginStop(null, null), shell.EndStop).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(running));

        Assert.Empty(pgRestore.RunningProcesses());
        Assert.Equal("", await Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname = '{target}'"));
    }

    [Fact]
    public async Task StoppingAReplacementLeavesTheExistingDatabaseUntouched()
    {
        BackUp(TestStores.Local);
        var target = NewTarget();
        await CreateWithMarkerAsync(target);
        using var pgRestore = new PausedPgClient(pauseSeconds: 300, program: "pg_restore");
        using var shell = Context.Session.CreateShell();
        shell.AddScript(Restore + " -Force -EncryptionKey $key -PgRestorePath $args[0]").AddArgument(pgRestore.PathName);
        var running = await PausedPgClient.BeginUntilPhaseAsync(shell, "Restoring");
        await Eventually.WaitForAsync(() => pgRestore.RunningProcesses().Any(), "the paused pg_restore to run", TimeSpan.FromSeconds(30));
        Assert.NotEqual("", await LeftoversOf(target));

        await Task.Factory.FromAsync(shell.BeginStop(null, null), shell.EndStop).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(running));

        Assert.Empty(pgRestore.RunningProcesses());
        Assert.Equal("kept", await Postgres.QueryAsync("SELECT note FROM marker", target));
        Assert.Equal("", await LeftoversOf(target));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task TheFallbackRunbookRestoresTheNewestBackupThatPassesItsChecks(string kind)
    {
        BackUp(kind);
        var middle = Context.BackUpSeed(1).Single();
        var newest = Context.BackUpSeed(1).Single();
        var bytes = Context.Store.ReadBytes(newest.ArtifactName);
        bytes[bytes.Length / 2] ^= 0x01;
        Context.Store.WriteBytes(newest.ArtifactName, bytes);
        using var environment = new TestEnvironment(services, storeEntry: Context.Store.EnvironmentEntry, decryptionKey: services.Keys.PrivateKeyPath);
        var target = NewTarget();

        var result = Context.Session.InvokeFile(FallbackRunbook,
            environment.RunbookParameters(("Database", Postgres.SeedDatabase), ("TargetDatabase", target), ("Confirm", false))).EnsureSuccess();

        var outcome = Assert.Single(result.Output);
        Assert.Equal(middle.Id, outcome.Properties["UsedBackupId"].Value);
        Assert.Equal(2, outcome.Properties["Attempts"].Value);
        var passedOver = PSObject.AsPSObject(Assert.Single((IEnumerable<object>)outcome.Properties["PassedOver"].Value));
        Assert.Equal(newest.Id, passedOver.Properties["BackupId"].Value);
        Assert.Equal("Integrity", passedOver.Properties["Stage"].Value);
        Assert.Contains("ChecksumMismatch", (string)passedOver.Properties["Reason"].Value);
        Assert.Contains(result.Warnings, w => w.Message.Contains(newest.Id, StringComparison.Ordinal));
        var restored = new RestoreView(PSObject.AsPSObject(outcome.Properties["Restore"].Value));
        Assert.Equal((middle.Id, target), (restored.BackupId, restored.TargetDatabase));
        await AssertHoldsAsync(middle, target);
    }

    [Fact]
    public async Task TheFallbackRunbookFailsWithTheReasonsWhenNoBackupCanBeRestored()
    {
        var only = BackUp(TestStores.Local);
        using var environment = new TestEnvironment(services, storeEntry: Context.Store.EnvironmentEntry, decryptionKey: services.OtherKeys.PrivateKeyPath);
        var target = NewTarget();

        var result = Context.Session.InvokeFile(FallbackRunbook,
            environment.RunbookParameters(("Database", Postgres.SeedDatabase), ("TargetDatabase", target), ("Confirm", false)));

        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("NoRestorableBackup", error.FullyQualifiedErrorId);
        Assert.Contains(only.Id, error.ToString());
        Assert.Contains("DecryptionFailed", error.ToString());
        Assert.Equal("0", await Postgres.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname = '{target}'"));
    }

    private BackupView BackUp(string kind)
    {
        _context = new BackupTestContext(services, TestStores.Create(kind, services));
        _context.Session.SetVariable("privateKey", services.Keys.PrivateKeyPath);
        var backup = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        _context.Session.SetVariable("backup", backup.Source);
        return backup;
    }

    /// <summary>A database name no test uses, set as $target and dropped when the test ends.</summary>
    private string NewTarget()
    {
        var name = "restore_" + Guid.NewGuid().ToString("N")[..10];
        _databases.Add(name);
        Context.Session.SetVariable("target", name);
        return name;
    }

    private async Task CreateWithMarkerAsync(string database)
    {
        await Postgres.CreateDatabaseAsync(database);
        await Postgres.QueryAsync("CREATE TABLE marker (note text); INSERT INTO marker VALUES ('kept')", database);
    }

    /// <summary>The target still holds its marker row, the store did not change and no database was left on the way.</summary>
    private async Task AssertUntouchedAsync(string target, IReadOnlyList<string> storeFilesBefore)
    {
        Assert.Equal("kept", await Postgres.QueryAsync("SELECT note FROM marker", target));
        Assert.Equal(storeFilesBefore, Context.StoreFiles());
        Assert.Equal("", await LeftoversOf(target));
    }

    /// <summary>Every table of the backup's manifest has its row count in <paramref name="database"/>, counted with SQL.</summary>
    private async Task AssertHoldsAsync(BackupView backup, string database)
    {
        foreach (var (table, count) in backup.TableRowCounts)
            Assert.Equal(count.ToString(), await Postgres.QueryAsync($"SELECT count(*) FROM {table}", database));
    }

    /// <summary>The databases a restore into <paramref name="target"/> makes on the way (restoring, replaced), comma-separated.</summary>
    private Task<string> LeftoversOf(string target) =>
        Postgres.QueryAsync($"SELECT coalesce(string_agg(datname, ','), '') FROM pg_database WHERE datname LIKE '{target}\\_%'");

    private static string[] ScratchDirectories() =>
        [.. Directory.EnumerateDirectories(Path.GetTempPath(), "opsrunbooks-restore-*").Order()];

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await Postgres.DropDatabaseAsync(database);
            foreach (var leftover in (await LeftoversOf(database)).Split(',', StringSplitOptions.RemoveEmptyEntries))
                await Postgres.DropDatabaseAsync(leftover);
        }
        _context?.Dispose();
    }
}

/// <summary>A RestoreResult read through its PowerShell properties.</summary>
public sealed record RestoreView(PSObject Source)
{
    public string BackupId => Get<string>();
    public string Database => Get<string>();
    public string TargetDatabase => Get<string>();
    public bool RowCountsMatch => Get<bool>();
    public bool ReplacedExisting => Get<bool>();
    public TimeSpan Duration => Get<TimeSpan>();
    public TimeSpan RestoreDuration => Get<TimeSpan>();
    public BackupView? EmergencyBackup => Source.Properties[nameof(EmergencyBackup)].Value is { } value ? new BackupView(PSObject.AsPSObject(value)) : null;

    public IReadOnlyDictionary<string, long> TableRowCounts => new BackupView(Source).TableRowCounts;

    private T Get<T>([System.Runtime.CompilerServices.CallerMemberName] string name = "") => (T)Source.Properties[name].Value;
}

public static class RestoreResultExtensions
{
    public static IReadOnlyList<RestoreView> Restores(this EngineResult result) =>
        result.Output.Where(o => o.BaseObject.GetType().FullName == "OpsRunbooks.Backup.RestoreResult").Select(o => new RestoreView(o)).ToList();
}
