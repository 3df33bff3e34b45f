using System.Management.Automation;
using System.Security.Cryptography;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// Test-BackupIntegrity against real backups of the seeded database, in both kinds of store, and the runbooks
/// built on it: every corruption is caught by the check it belongs to, and no scratch database outlives a test.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class IntegrityTests(ServicesFixture services)
{
    private const string ScratchPrefix = "opsrunbooks_verify_";
    private const string FullTest =
        "$backup | Test-BackupIntegrity -DecryptionKey $secretKey -RestoreTest -RestoreTestServer $server -RestoreTestPort $port -Credential $credential";
    private static readonly string[] AllChecks = ["Manifest", "Checksum", "Decrypt", "Archive", "Restore", "RowCounts", "VerificationQueries"];
    private static readonly string DrillRunbook = RepositoryPaths.Combine("runbooks", "verification", "Invoke-RestoreDrill.ps1");
    private static readonly string RecentRunbook = RepositoryPaths.Combine("runbooks", "verification", "Test-RecentBackups.ps1");

    private BackupTestContext NewContext(string kind)
    {
        var context = new BackupTestContext(services, TestStores.Create(kind, services));
        context.Session.SetVariable("secretKey", services.Keys.PrivateKeyPath);
        context.Session.SetVariable("otherKey", services.OtherKeys.PrivateKeyPath);
        return context;
    }

    /// <summary>An environment file for the context's store, with the backup key's secret half and the test server for restore tests.</summary>
    private TestEnvironment NewEnvironment(BackupTestContext context) =>
        new(services, storeEntry: context.Store.EnvironmentEntry, decryptionKey: services.Keys.PrivateKeyPath);

    private static IntegrityView Test(BackupTestContext context, BackupView backup, string script = FullTest, params object[] arguments)
    {
        context.Session.SetVariable("backup", backup.Source);
        return context.Session.Invoke(script, arguments).EnsureSuccess().Integrity().Single();
    }

    private async Task AssertNoScratchDatabaseAsync() =>
        Assert.Equal("", await services.Postgres.QueryAsync($"SELECT string_agg(datname, ', ') FROM pg_database WHERE datname LIKE '{ScratchPrefix}%'", "postgres"));

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task AGoodBackupPassesEveryCheckIncludingARestoreTestWithQueries(string kind)
    {
        using var context = NewContext(kind);
        var backup = context.BackUpSeed(1).Single();

        context.Session.SetVariable("backup", backup.Source);
        var result = context.Session.Invoke(FullTest + " -VerificationQuery $args[0], $args[1]",
            "SELECT count(*) = 120000 FROM public.orders", "SELECT id FROM audit.events LIMIT 1").EnsureSuccess();
        var report = result.Integrity().Single();

        Assert.True(report.Passed, string.Join("\n", report.Checks.Select(c => $"{c.Name} {c.Status} {c.ErrorId} {c.Detail}")));
        Assert.Equal(AllChecks.Select(c => c + ":Passed"), report.Statuses);
        Assert.Null(report.FailedCheck);
        Assert.Null(report.Cause);
        Assert.Equal(backup.Id, report.BackupId);
        Assert.Equal(backup.Database, report.Database);
        Assert.True(report.RestoreTested);
        Assert.True(report.RestoreDuration > TimeSpan.Zero && report.RestoreDuration <= report.Duration);
        Assert.StartsWith(ScratchPrefix + services.Postgres.SeedDatabase + "_", report.ScratchDatabase);
        Assert.Contains($"{backup.StoredBytes:N0} bytes", report.Check("Checksum").Detail);
        Assert.Contains("MDC", report.Check("Decrypt").Detail);
        Assert.Matches(@"\d+ table-of-contents entries: 4 tables, 4 with data", report.Check("Archive").Detail);
        Assert.Contains("4 tables", report.Check("RowCounts").Detail);
        Assert.Contains("2 of 2", report.Check("VerificationQueries").Detail);
        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("Checking:", StringComparison.Ordinal));
        Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("Restoring:", StringComparison.Ordinal));
        await AssertNoScratchDatabaseAsync();

        // Without a key only the manifest and the checksum can be checked, and the report says why.
        var checksumOnly = Test(context, backup, "$backup | Test-BackupIntegrity");
        Assert.True(checksumOnly.Passed);
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Skipped", "Archive:Skipped", "Restore:Skipped", "RowCounts:Skipped", "VerificationQueries:Skipped"],
            checksumOnly.Statuses);
        Assert.Contains("no decryption key", checksumOnly.Check("Decrypt").Detail);
        Assert.Contains("-RestoreTest", checksumOnly.Check("Restore").Detail);
        Assert.Null(checksumOnly.RestoreDuration);
        Assert.Null(checksumOnly.ScratchDatabase);

        // The newest backup of a database, from a store.
        var newest = context.Session.Invoke("Test-BackupIntegrity -Store $store -Database $database -DecryptionKey $secretKey").EnsureSuccess().Integrity().Single();
        Assert.Equal(backup.Id, newest.BackupId);
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Passed", "Archive:Passed", "Restore:Skipped", "RowCounts:Skipped", "VerificationQueries:Skipped"],
            newest.Statuses);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task EachCorruptionOfTheStoredBytesIsCaughtByItsCheck(string kind)
    {
        using var context = NewContext(kind);
        var backup = context.BackUpSeed(1).Single();
        var original = context.Store.ReadBytes(backup.ArtifactName);
        var originalManifest = context.Store.ReadText(backup.ManifestName);

        // One flipped byte.
        var flipped = (byte[])original.Clone();
        flipped[flipped.Length / 2] ^= 0x01;
        context.Store.WriteBytes(backup.ArtifactName, flipped);
        var report = Test(context, backup);
        Assert.False(report.Passed);
        Assert.Equal(("Checksum", "ChecksumMismatch"), (report.FailedCheck, report.Cause));
        Assert.Equal(["Manifest:Passed", "Checksum:Failed", "Decrypt:Skipped", "Archive:Skipped", "Restore:Skipped", "RowCounts:Skipped", "VerificationQueries:Skipped"],
            report.Statuses);
        Assert.Contains(backup.Sha256, report.CauseDetail);
        Assert.Contains("ChecksumMismatch", report.Check("Decrypt").Detail);
        Assert.False(report.RestoreTested);
        await AssertNoScratchDatabaseAsync();

        // A truncated artifact.
        context.Store.WriteBytes(backup.ArtifactName, original[..(original.Length * 2 / 3)]);
        report = Test(context, backup);
        Assert.Equal(("Checksum", "ChecksumMismatch"), (report.FailedCheck, report.Cause));
        Assert.Contains($"{original.Length * 2 / 3:N0} bytes", report.CauseDetail);
        await AssertNoScratchDatabaseAsync();

        // The right bytes, and a key they are not encrypted to.
        context.Store.WriteBytes(backup.ArtifactName, original);
        report = Test(context, backup, FullTest.Replace("$secretKey", "$otherKey"));
        Assert.Equal(("Decrypt", "DecryptionFailed"), (report.FailedCheck, report.Cause));
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Failed", "Archive:Skipped", "Restore:Skipped", "RowCounts:Skipped", "VerificationQueries:Skipped"],
            report.Statuses);
        Assert.Contains("encrypted to key", report.CauseDetail);
        await AssertNoScratchDatabaseAsync();

        // A byte changed and the manifest's checksum changed to match: only the OpenPGP integrity protection can tell.
        context.Store.WriteBytes(backup.ArtifactName, flipped);
        context.RewriteManifest(backup, sha256: Convert.ToHexString(SHA256.HashData(flipped)).ToLowerInvariant());
        report = Test(context, backup);
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Failed", "Archive:Skipped", "Restore:Skipped", "RowCounts:Skipped", "VerificationQueries:Skipped"],
            report.Statuses);
        Assert.Equal("DecryptionFailed", report.Cause);
        await AssertNoScratchDatabaseAsync();

        // A sound OpenPGP message to the right key whose content is no pg_dump archive.
        var notAnArchive = Path.Combine(Path.GetTempPath(), "opsrunbooks-not-an-archive-" + Guid.NewGuid().ToString("N"));
        try
        {
            await File.WriteAllTextAsync(notAnArchive + ".txt", string.Concat(Enumerable.Repeat("this is not a pg_dump archive\n", 1000)));
            await services.Keys.EncryptAsync(notAnArchive + ".txt", notAnArchive + ".gpg");
            var encrypted = await File.ReadAllBytesAsync(notAnArchive + ".gpg");
            context.Store.WriteBytes(backup.ArtifactName, encrypted);
            context.RewriteManifest(backup, storedBytes: encrypted.Length, sha256: Convert.ToHexString(SHA256.HashData(encrypted)).ToLowerInvariant());
        }
        finally
        {
            File.Delete(notAnArchive + ".txt");
            File.Delete(notAnArchive + ".gpg");
        }
        report = Test(context, backup);
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Passed", "Archive:Failed", "Restore:Skipped", "RowCounts:Skipped", "VerificationQueries:Skipped"],
            report.Statuses);
        Assert.Equal("ArchiveUnreadable", report.Cause);
        Assert.Contains("pg_restore --list", report.CauseDetail);
        await AssertNoScratchDatabaseAsync();

        // A manifest that is not well-formed stops everything after it.
        context.Store.WriteText(backup.ManifestName, originalManifest.Replace(backup.Sha256, "not-a-checksum"));
        report = Test(context, backup);
        Assert.Equal(("Manifest", "ManifestMalformed"), (report.FailedCheck, report.Cause));
        Assert.Contains("64 hexadecimal digits", report.CauseDetail);
        Assert.All(report.Checks.Skip(1), c => Assert.Equal("Skipped", c.Status));

        // Put back, it passes again.
        context.Store.WriteBytes(backup.ArtifactName, original);
        context.Store.WriteText(backup.ManifestName, originalManifest);
        Assert.True(Test(context, backup).Passed);
        await AssertNoScratchDatabaseAsync();
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task TheRestoreTestCatchesWrongRowCountsAndFailingQueries(string kind)
    {
        using var context = NewContext(kind);
        var backup = context.BackUpSeed(1).Single();

        context.RewriteManifest(backup, tableRowCounts: new Dictionary<string, long> { ["public.orders"] = 119999, ["audit.events"] = 5001 });
        var report = Test(context, backup, FullTest + " -VerificationQuery 'SELECT true'");
        Assert.Equal(("RowCounts", "RowCountMismatch"), (report.FailedCheck, report.Cause));
        Assert.Equal(["Manifest:Passed", "Checksum:Passed", "Decrypt:Passed", "Archive:Passed", "Restore:Passed", "RowCounts:Failed", "VerificationQueries:Passed"],
            report.Statuses);
        Assert.Equal("audit.events: 5,000 restored, the manifest says 5,001; public.orders: 120,000 restored, the manifest says 119,999", report.CauseDetail);
        Assert.True(report.RestoreDuration > TimeSpan.Zero);
        await AssertNoScratchDatabaseAsync();

        context.RewriteManifest(backup, tableRowCounts: new Dictionary<string, long> { ["public.orders"] = 120000, ["audit.events"] = 5000 });
        const string nothing = "SELECT id FROM public.orders WHERE id < 0";
        const string falseQuery = "SELECT count(*) > 1000000 FROM public.orders";
        report = Test(context, backup, FullTest + " -VerificationQuery 'SELECT 1', $args[0], $args[1]", nothing, falseQuery);
        Assert.Equal(("VerificationQueries", "VerificationQueryFailed"), (report.FailedCheck, report.Cause));
        Assert.Equal("RowCounts:Passed", report.Statuses[5]);
        Assert.Equal($"'{nothing}' returned no row; '{falseQuery}' returned false", report.CauseDetail);
        await AssertNoScratchDatabaseAsync();
    }

    [Fact]
    public async Task StoppingARestoreTestDropsTheScratchDatabase()
    {
        using var context = NewContext(TestStores.Local);
        var backup = context.BackUpSeed(1).Single();
        using var pgRestore = new PausedPgClient(pauseSeconds: 300, program: "pg_restore", passThroughArgument: "--list");
        context.Session.SetVariable("backup", backup.Source);
        using var shell = context.Session.CreateShell();
        shell.AddScript(FullTest + " -PgRestorePath $args[0]").AddArgument(pgRestore.PathName);

        var running = await PausedPgClient.BeginUntilPhaseAsync(shell, "Restoring");
        await Task.Delay(1500);
        Assert.True(pgRestore.RunningProcesses().Any(), "the paused pg_restore should still run");
        Assert.StartsWith(ScratchPrefix, await services.Postgres.QueryAsync($"SELECT datname FROM pg_database WHERE datname LIKE '{ScratchPrefix}%'", "postgres"));

        await Task.Factory.FromAsync(shell.BeginStop(null, null), shell.EndStop).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(running));

        Assert.Empty(pgRestore.RunningProcesses());
        await AssertNoScratchDatabaseAsync();
    }

    [Fact]
    public async Task ProblemsTheOperatorMustFixAreErrorsWithStableIds()
    {
        using var context = NewContext(TestStores.Local);
        var backup = context.BackUpSeed(1).Single();
        context.Session.SetVariable("backup", backup.Source);

        var closedPort = context.Session.Invoke(FullTest.Replace("$port", "$args[0]"), FreePort());
        Assert.StartsWith("ConnectionFailed,", closedPort.SingleError().FullyQualifiedErrorId);
        Assert.Empty(closedPort.Output);

        context.Session.SetVariable("wrongPassword", BackupTestContext.Credential(services.Postgres.User, "not-the-password"));
        var wrongPassword = context.Session.Invoke(FullTest.Replace("$credential", "$wrongPassword"));
        Assert.StartsWith("AuthenticationFailed,", wrongPassword.SingleError().FullyQualifiedErrorId);
        Assert.DoesNotContain("not-the-password", wrongPassword.SingleError().ToString());

        var noKeyFile = context.Session.Invoke(FullTest.Replace("$secretKey", "'/nonexistent/key.asc'"));
        Assert.StartsWith("DecryptionKeyNotFound,", noKeyFile.SingleError().FullyQualifiedErrorId);
        Assert.Empty(noKeyFile.Output);

        var noKey = context.Session.Invoke("$backup | Test-BackupIntegrity -RestoreTest -RestoreTestServer $server -RestoreTestPort $port -Credential $credential");
        Assert.StartsWith("DecryptionKeyMissing,", noKey.SingleError().FullyQualifiedErrorId);

        var noServer = context.Session.Invoke("$backup | Test-BackupIntegrity -DecryptionKey $secretKey -RestoreTest");
        Assert.StartsWith("RestoreTestServerMissing,", noServer.SingleError().FullyQualifiedErrorId);

        var noPgRestore = context.Session.Invoke("$backup | Test-BackupIntegrity -DecryptionKey $secretKey -PgRestorePath /nonexistent/pg_restore");
        Assert.StartsWith("PgRestoreNotFound,", noPgRestore.SingleError().FullyQualifiedErrorId);

        var noBackup = context.Session.Invoke("Test-BackupIntegrity -Store $store -Database nothing_here, $database");
        Assert.StartsWith("BackupNotFound,", noBackup.SingleError().FullyQualifiedErrorId);
        Assert.Equal(backup.Id, noBackup.Integrity().Single().BackupId);

        var whatIf = context.Session.Invoke(FullTest + " -WhatIf").EnsureSuccess();
        Assert.Empty(whatIf.Output);

        // A missing artifact is a finding about the backup, not an error.
        File.Delete(Path.Combine(context.StorePath, backup.ArtifactName));
        var missing = Test(context, backup);
        Assert.Equal(("Checksum", "ArtifactMissing"), (missing.FailedCheck, missing.Cause));
        await AssertNoScratchDatabaseAsync();
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task ABackupOfAnEnvironmentIsRestoreTestedWithItsKeyAndServer(string kind)
    {
        using var context = NewContext(kind);
        using var environment = NewEnvironment(context);
        System.Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", environment.Directory);
        try
        {
            var result = context.Session.Invoke("Invoke-DatabaseBackup -Environment $args[0] | Test-BackupIntegrity -RestoreTest", environment.Name).EnsureSuccess();
            var report = result.Integrity().Single();
            Assert.True(report.Passed, report.CauseDetail);
            Assert.Equal(AllChecks.Take(6).Select(c => c + ":Passed"), report.Statuses.Take(6));

            var fromEnvironment = context.Session.Invoke("Test-BackupIntegrity -Environment $args[0]", environment.Name).EnsureSuccess().Integrity().Single();
            Assert.Equal(report.BackupId, fromEnvironment.BackupId);
            Assert.Equal("Archive:Passed", fromEnvironment.Statuses[3]);

            var piped = context.Session.Invoke("Get-DatabaseBackup -Store $store | Test-BackupIntegrity -Environment $args[0]", environment.Name).EnsureSuccess().Integrity().Single();
            Assert.Equal(("Archive:Passed", "Restore:Skipped"), (piped.Statuses[3], piped.Statuses[4]));
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", null);
        }
        await AssertNoScratchDatabaseAsync();
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task TheRestoreDrillRestoresARandomOlderBackupAndReportsItsRestoreTime(string kind)
    {
        using var context = NewContext(kind);
        using var environment = NewEnvironment(context);

        var first = context.BackUpSeed(1).Single();
        var alone = context.Session.InvokeFile(DrillRunbook, environment.RunbookParameters());
        Assert.Null(alone.Terminating);
        Assert.Empty(alone.Output);
        var error = Assert.Single(alone.Errors);
        Assert.StartsWith("RestoreDrillNoOlderBackup", error.FullyQualifiedErrorId);
        Assert.Contains("only one backup", error.ToString());

        var later = context.BackUpSeed(2);
        var result = context.Session.InvokeFile(DrillRunbook, environment.RunbookParameters(("Database", new[] { services.Postgres.SeedDatabase }))).EnsureSuccess();
        var drill = Assert.Single(result.Output);
        Assert.True((bool)drill.Properties["Passed"].Value);
        var drilledId = (string)drill.Properties["BackupId"].Value;
        Assert.Contains(drilledId, new[] { first.Id, later[0].Id });
        Assert.NotEqual(later[1].Id, drilledId);
        Assert.True((TimeSpan)drill.Properties["RestoreTime"].Value > TimeSpan.Zero);
        var report = new IntegrityView(PSObject.AsPSObject(drill.Properties["Report"].Value));
        Assert.Equal(AllChecks.Take(6).Select(c => c + ":Passed"), report.Statuses.Take(6));
        Assert.Equal(report.RestoreDuration, (TimeSpan)drill.Properties["RestoreTime"].Value);
        await AssertNoScratchDatabaseAsync();
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task TheRecentBackupsRunbookChecksTheLastBackupsAndFailsWhenOneIsBad(string kind)
    {
        using var context = NewContext(kind);
        using var environment = NewEnvironment(context);
        var backups = context.BackUpSeed(3);

        var good = context.Session.InvokeFile(RecentRunbook, environment.RunbookParameters(("Count", 2))).EnsureSuccess();
        var summary = good.Output.Last();
        Assert.Equal((2, 2, 0), ((int)summary.Properties["Checked"].Value, (int)summary.Properties["Good"].Value, (int)summary.Properties["Bad"].Value));
        Assert.Equal([backups[2].Id, backups[1].Id], good.Integrity().Select(r => r.BackupId));
        Assert.All(good.Integrity(), r => Assert.Equal("Archive:Passed", r.Statuses[3]));

        var bytes = context.Store.ReadBytes(backups[1].ArtifactName);
        bytes[^10] ^= 0xff;
        context.Store.WriteBytes(backups[1].ArtifactName, bytes);
        var bad = context.Session.InvokeFile(RecentRunbook, environment.RunbookParameters(("RestoreTest", true)));
        Assert.Null(bad.Terminating);
        summary = bad.Output.Last();
        Assert.Equal((3, 2, 1), ((int)summary.Properties["Checked"].Value, (int)summary.Properties["Good"].Value, (int)summary.Properties["Bad"].Value));
        var reason = Assert.Single((IEnumerable<object>)summary.Properties["BadBackups"].Value).ToString();
        Assert.Contains(backups[1].Id, reason);
        Assert.Contains("ChecksumMismatch", reason);
        Assert.Equal([true, false, true], bad.Integrity().Select(r => r.Passed));
        Assert.All(bad.Integrity().Where(r => r.Passed), r => Assert.True(r.RestoreTested));
        var error = Assert.Single(bad.Errors);
        Assert.StartsWith("RecentBackupsBad", error.FullyQualifiedErrorId);
        Assert.Contains(backups[1].Id, error.ToString());
        await AssertNoScratchDatabaseAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
