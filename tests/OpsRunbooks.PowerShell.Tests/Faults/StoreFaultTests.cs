using System.Collections;
using System.Management.Automation;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests.Faults;

/// <summary>
/// What stores, disks and people do to backups (issue 9's findings 1, 2, 3, 4, 6 and 8, store side), against
/// the real PostgreSQL, s3rver and small tmpfs mounts: each test failed before its fix.
/// </summary>
[Collection(ServicesCollection.Name)]
[Trait("Category", "Fault")]
public sealed class StoreFaultTests(ServicesFixture services)
{
    private const string BackUpNamed =
        "Invoke-DatabaseBackup -Server $server -Port $port -Database $args[0] -Credential $credential -Store $store -EncryptionKey $key";

    // ---------------------------------------------------------------------------------------------
    // 1 and 6. Database names that look like paths, or are not ASCII.

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task EachDatabaseListsOnlyItsOwnBackupsWhateverItsName(string kind)
    {
        string[] names = ["fault_shop", "sub/../fault_shop", "fault_a", "fault_a/b", "..", "../etc", "café ☕"];
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        foreach (var name in names) await services.Postgres.CreateDatabaseAsync(name);
        try
        {
            var made = names.ToDictionary(name => name, name => context.Session.Invoke(BackUpNamed, name).EnsureSuccess().Backups().Single());
            foreach (var name in names)
            {
                var listed = context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $args[0]", name).EnsureSuccess().Backups();
                Assert.Equal(made[name].Id, Assert.Single(listed).Id);
                Assert.Equal(name, listed[0].Database);
            }
            // Every object inside the store, one folder per database: nothing reached past the prefix or into another's folder.
            var objects = context.StoreFiles();
            Assert.Equal(names.Length * 2, objects.Count);
            Assert.Equal(names.Length, objects.Select(o => o[..o.IndexOf('/')]).Distinct().Count());
            Assert.All(objects, o => Assert.Single(o, '/'));
        }
        finally
        {
            foreach (var name in names) await services.Postgres.DropDatabaseAsync(name);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Two backups of one database at the same time.

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void TwoBackupsOfOneDatabaseAtOnceAreBothKeptAndBothGood(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        using var other = new EngineSession();
        foreach (var (name, value) in new (string, object)[] { ("server", services.Postgres.Host), ("port", services.Postgres.Port),
                     ("database", services.Postgres.SeedDatabase), ("key", services.Keys.PublicKeyPath),
                     ("credential", BackupTestContext.Credential(services.Postgres.User, services.Postgres.Password)) })
            other.SetVariable(name, value);
        other.Invoke("$store = " + context.Store.NewStoreExpression).EnsureSuccess();

        using var first = context.Session.CreateShell();
        using var second = other.CreateShell();
        first.AddScript(BackupTestContext.BackupSeed);
        second.AddScript(BackupTestContext.BackupSeed);
        var running = new[] { (first, first.BeginInvoke()), (second, second.BeginInvoke()) };
        var results = running.Select(r => EngineSession.Collect(r.Item1, () => r.Item1.EndInvoke(r.Item2)).EnsureSuccess().Backups().Single()).ToList();

        Assert.NotEqual(results[0].Id, results[1].Id);
        context.Session.SetVariable("secretKey", services.Keys.PrivateKeyPath);
        var reports = context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $database | Test-BackupIntegrity -DecryptionKey $secretKey").EnsureSuccess().Integrity();
        Assert.Equal(results.Select(r => r.Id).Order(), reports.Select(r => r.BackupId).Order());
        Assert.All(reports, r => Assert.True(r.Passed, r.CauseDetail));
    }

    // ---------------------------------------------------------------------------------------------
    // 3. A store that keeps other bytes than it was sent.

    [Fact]
    public void ABackupIntoAServerThatMangledBodiesFailsAndLeavesNothing()
    {
        var s3 = new S3TestStore(services.S3);
        using var context = new BackupTestContext(services, s3);
        context.Session.Invoke("$store = " + s3.NewStoreExpression.Replace("-DisableChunkEncoding ", "", StringComparison.Ordinal)).EnsureSuccess();

        var result = context.Session.Invoke(BackupTestContext.BackupSeed);

        Assert.Empty(result.Backups());
        var error = result.SingleError();
        Assert.StartsWith("StoreContentMismatch,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidResult, error.CategoryInfo.Category);
        Assert.Contains("-DisableChunkEncoding", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(context.StoreFiles());
        Assert.Empty(context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups());
    }

    [Fact]
    public void TestBackupStoreReportsAServerThatMangledBodies()
    {
        using var s3 = new S3TestStore(services.S3);
        using var session = new EngineSession();
        var test = session.Invoke(s3.NewStoreExpression.Replace("-DisableChunkEncoding ", "", StringComparison.Ordinal) + " | Test-BackupStore")
            .EnsureSuccess().Output.Single();

        Assert.Equal("Unusable", test.Properties["Verdict"].Value.ToString());
        var rows = Rows(test);
        Assert.Equal("Passed", rows["Write"].Status);
        Assert.Equal("Failed", rows["ReadBackIdentical"].Status);
        Assert.Contains("-DisableChunkEncoding", rows["ReadBackIdentical"].Detail, StringComparison.Ordinal);
        Assert.Equal("Failed", rows["Multipart"].Status);
        Assert.StartsWith("ReadBackIdentical: ", (string)test.Properties["Reason"].Value, StringComparison.Ordinal);
        Assert.Empty(s3.ObjectNames());
    }

    [Fact]
    public void TestBackupStoreFindsS3rverWithPlainBodiesUsableAndSaysWhatItLacks()
    {
        using var s3 = new S3TestStore(services.S3);
        using var session = new EngineSession();
        var test = session.Invoke(s3.NewStoreExpression + " | Test-BackupStore").EnsureSuccess().Output.Single();

        var rows = Rows(test);
        Assert.Equal(["Write", "ReadBackIdentical", "List", "Multipart", "Abort", "ConditionalPut", "Delete"], rows.Keys);
        Assert.All(new[] { "Write", "ReadBackIdentical", "List", "Multipart", "Delete" }, name => Assert.Equal("Passed", rows[name].Status));
        // s3rver 3.7 neither aborts multipart uploads nor honours If-None-Match on writes: said, not hidden.
        Assert.Equal("Unsupported", rows["Abort"].Status);
        Assert.Matches("multipart upload '[0-9a-f]+'", rows["Abort"].Detail);
        Assert.Equal("Unsupported", rows["ConditionalPut"].Status);
        Assert.Contains("ignored If-None-Match", rows["ConditionalPut"].Detail, StringComparison.Ordinal);
        Assert.Equal("Limited", test.Properties["Verdict"].Value.ToString());
        Assert.Empty(s3.ObjectNames());
    }

    [Fact]
    public void TestBackupStoreFindsALocalDirectoryGoodAndFitsEightyColumns()
    {
        using var local = new LocalTestStore();
        using var session = new EngineSession();
        var test = session.Invoke(local.NewStoreExpression + " | Test-BackupStore").EnsureSuccess().Output.Single();

        Assert.Equal("Good", test.Properties["Verdict"].Value.ToString());
        Assert.Null(test.Properties["Reason"].Value);
        Assert.Equal("NotApplicable", Rows(test)["Multipart"].Status);
        Assert.Empty(local.ObjectNames());

        session.SetVariable("test", test);
        var lines = session.Invoke("$test | Out-String -Width 80; $test.Capabilities | Out-String -Width 80").EnsureSuccess().Output
            .SelectMany(o => o.ToString()!.Split('\n')).ToList();
        Assert.Contains(lines, l => l.StartsWith("Verdict", StringComparison.Ordinal) && l.Contains("Good", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ConditionalPut", StringComparison.Ordinal) && l.Contains("Passed", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 80, l));
    }

    // ---------------------------------------------------------------------------------------------
    // 4 and 8. Full, read-only and file-shaped stores.

    [Fact]
    public async Task ABackupIntoAFullFileSystemLeavesNoPartialAndTheNextOneSucceeds()
    {
        await using var disk = await Tmpfs.MountAsync("8m");
        using var context = new BackupTestContext(services);
        context.Session.Invoke("$store = New-BackupStore -Path $args[0]", disk.Path).EnsureSuccess();
        var filler = Path.Combine(disk.Path, "filler");
        await File.WriteAllBytesAsync(filler, new byte[8 * 1024 * 1024 - 48 * 1024]);

        var full = context.Session.Invoke(BackupTestContext.BackupSeed);

        Assert.Empty(full.Backups());
        var error = full.SingleError();
        Assert.StartsWith("StoreFull,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains("free space", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["filler"], Directory.EnumerateFiles(disk.Path, "*", SearchOption.AllDirectories).Select(Path.GetFileName));

        File.Delete(filler);
        var next = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        Assert.Equal(next.Id, context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups().Single().Id);
    }

    [Fact]
    public async Task ABackupIntoAReadOnlyStoreIsStoreReadOnly()
    {
        await using var disk = await Tmpfs.MountAsync("1m", readOnly: true);
        using var context = new BackupTestContext(services);
        context.Session.Invoke("$store = New-BackupStore -Path $args[0]", disk.Path).EnsureSuccess();

        var error = context.Session.Invoke(BackupTestContext.BackupSeed).SingleError();

        Assert.StartsWith("StoreReadOnly,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
        Assert.Contains("not writable", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AStorePathThatIsAFileIsAnErrorNotAnEmptyStore()
    {
        var file = Path.GetTempFileName();
        using var environment = new TestEnvironment(services, storeEntry: "@{ Path = " + TestStores.Quote(file) + " }");
        using var session = new EngineSession();
        try
        {
            var direct = session.Invoke("New-BackupStore -Path $args[0]", file).SingleError();
            Assert.StartsWith("StorePathNotADirectory,", direct.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.InvalidArgument, direct.CategoryInfo.Category);

            var listing = session.Invoke("Get-DatabaseBackup -Environment (Get-OpsEnvironment -Name test -Path $args[0])", environment.Directory).SingleError();
            Assert.StartsWith("StorePathNotADirectory,", listing.FullyQualifiedErrorId, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AStoreWithBothPathAndS3BucketIsAnErrorNotSilentlyS3()
    {
        using var environment = new TestEnvironment(services, storeEntry: "@{ Path = 'store'; S3Bucket = 'backups' }");
        using var session = new EngineSession();

        var error = session.Invoke("Get-OpsEnvironment -Name test -Path $args[0]", environment.Directory).SingleError();

        Assert.StartsWith("StoreDefinitionAmbiguous,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("both Path and S3Bucket", error.ToString(), StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------------------------------------
    // 9. Two retention runs at once.

    [Fact]
    public void TwoRemovalsOfTheSameBackupsAtOnceBothSucceed()
    {
        using var store = new LocalTestStore();
        const int count = 300;
        for (var i = 0; i < count; i++)
        {
            var id = $"racing_20260301T0200{i / 1000:D2}{i % 1000:D3}Z_{i:x8}";
            Directory.CreateDirectory(Path.Combine(store.Path, "racing"));
            store.WriteText($"racing/{id}.dump.pgp", "artifact");
            store.WriteText($"racing/{id}.manifest.json", $$"""
                { "id": "{{id}}", "database": "racing", "startedUtc": "2026-03-01T02:00:00Z", "finishedUtc": "2026-03-01T02:01:00Z",
                  "storedBytes": 8, "dumpBytes": 8, "sha256": "{{new string('0', 64)}}",
                  "artifactName": "racing/{{id}}.dump.pgp", "manifestName": "racing/{{id}}.manifest.json" }
                """);
        }
        using var one = new EngineSession();
        using var two = new EngineSession();
        const string removeAll = "$store = New-BackupStore -Path $args[0]; Get-DatabaseBackup -Store $store | Remove-DatabaseBackup -Confirm:$false";
        using var first = one.CreateShell();
        using var second = two.CreateShell();
        first.AddScript(removeAll).AddArgument(store.Path);
        second.AddScript(removeAll).AddArgument(store.Path);
        var running = new[] { (first, first.BeginInvoke()), (second, second.BeginInvoke()) };

        foreach (var (shell, handle) in running)
            EngineSession.Collect(shell, () => shell.EndInvoke(handle)).EnsureSuccess();
        Assert.Empty(store.ObjectNames());
    }

    private static Dictionary<string, (string Status, string Detail)> Rows(PSObject test) =>
        ((IEnumerable)test.Properties["Capabilities"].Value).Cast<object>().Select(PSObject.AsPSObject)
            .ToDictionary(r => (string)r.Properties["Capability"].Value, r => (r.Properties["Status"].Value.ToString()!, (string)r.Properties["Detail"].Value));

    /// <summary>A small tmpfs mounted for one test and unmounted after it.</summary>
    private sealed class Tmpfs : IAsyncDisposable
    {
        private Tmpfs(string path) => Path = path;

        public string Path { get; }

        public static async Task<Tmpfs> MountAsync(string size, bool readOnly = false)
        {
            var path = Directory.CreateTempSubdirectory("opsrunbooks-tmpfs-").FullName;
            (await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={size}" + (readOnly ? ",ro" : ""), "tmpfs", path])).EnsureSuccess("mount -t tmpfs");
            return new Tmpfs(path);
        }

        public async ValueTask DisposeAsync()
        {
            (await ProcessRunner.RunAsync("umount", [Path])).EnsureSuccess("umount");
            Directory.Delete(Path);
        }
    }
}
