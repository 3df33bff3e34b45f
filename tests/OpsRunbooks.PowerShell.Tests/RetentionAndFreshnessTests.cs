using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// Retention and the morning freshness check against real backups of the test server, for every kind of
/// store: the backups are made for real, then their manifests are moved back in time or resized.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class RetentionAndFreshnessTests(ServicesFixture services)
{
    private static readonly string RetentionRunbook = RepositoryPaths.Combine("runbooks", "backup", "Invoke-BackupRetention.ps1");
    private static readonly string MorningRunbook = RepositoryPaths.Combine("runbooks", "verification", "Test-MorningBackupStatus.ps1");

    // Six backups over two months: 2025-03-12 is a Wednesday in ISO week 11, 2025-03-05 one in week 10.
    private static readonly DateTime[] Spread =
    [
        Utc(2025, 3, 12, 10), Utc(2025, 3, 11, 2), Utc(2025, 3, 5, 2), Utc(2025, 2, 20, 2), Utc(2025, 1, 15, 2), Utc(2025, 1, 10, 2),
    ];

    private static DateTime Utc(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, DateTimeKind.Utc);

    /// <summary>Six real backups, moved to <see cref="Spread"/>; returned newest first.</summary>
    private static IReadOnlyList<BackupView> SpreadBackups(BackupTestContext context)
    {
        var backups = context.BackUpSeed(Spread.Length);
        for (var i = 0; i < backups.Count; i++) context.RewriteManifest(backups[i], startedUtc: Spread[i]);
        return backups;
    }

    private static List<string> ListedIds(BackupTestContext context) =>
        context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups().Select(b => b.Id).ToList();

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void ThePlanKeepsDaysWeeksAndMonthsAndTheMinimum(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        var backups = SpreadBackups(context);

        var plan = context.Session.Invoke("Get-DatabaseBackup -Store $store | Get-BackupRetentionPlan -Daily 1 -Weekly 2 -Monthly 3 -KeepMinimum 0")
            .EnsureSuccess().Decisions();
        Assert.Equal(backups.Select(b => b.Id), plan.Select(d => d.Id));
        Assert.Equal(["daily 1 of 1", "beyond policy", "weekly 2 of 2", "monthly 2 of 3", "monthly 3 of 3", "beyond policy"], plan.Select(d => d.Reason));
        Assert.Equal(["Keep", "Remove", "Keep", "Keep", "Keep", "Remove"], plan.Select(d => d.Action));
        Assert.Equal(Spread, plan.Select(d => d.StartedUtc));
        Assert.Equal(backups[0].Sha256, plan[0].Backup.Sha256);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void ThePipelineRemovesWhatThePolicyDoesNotKeep(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        var backups = SpreadBackups(context);

        // Two days and the week and month they are in; the default minimum of three keeps the next newest too.
        var result = context.Session.Invoke(
            "Get-DatabaseBackup -Store $store | Get-BackupRetentionPlan -Daily 2 -Weekly 1 -Monthly 1 | Remove-DatabaseBackup -Confirm:$false").EnsureSuccess();
        Assert.Empty(result.Output);

        Assert.Equal(backups.Take(3).Select(b => b.Id), ListedIds(context));
        var objects = context.Store.ObjectNames();
        Assert.Equal(6, objects.Count);
        foreach (var removed in backups.Skip(3))
        {
            Assert.DoesNotContain(removed.ManifestName, objects);
            Assert.DoesNotContain(removed.ArtifactName, objects);
        }
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void WhatIfRemovesNothing(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        SpreadBackups(context);
        var before = context.Store.ObjectNames();

        var result = context.Session.Invoke(
            "Get-DatabaseBackup -Store $store | Get-BackupRetentionPlan -Daily 2 -Weekly 1 -Monthly 1 | Remove-DatabaseBackup -WhatIf -PassThru").EnsureSuccess();

        Assert.Empty(result.Output);
        Assert.Equal(before, context.Store.ObjectNames());
        Assert.Equal(6, ListedIds(context).Count);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void RemoveTakesBackupsAndPassesOverDecisionsToKeep(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        var backups = context.BackUpSeed(3);

        var removed = context.Session.Invoke("Get-DatabaseBackup -Store $store | Where-Object Id -eq $args[0] | Remove-DatabaseBackup -Confirm:$false -PassThru",
            backups[1].Id).EnsureSuccess().Backups();
        Assert.Equal([backups[1].Id], removed.Select(b => b.Id));
        Assert.Equal([backups[2].Id, backups[0].Id], ListedIds(context));

        // A plan that keeps everything removes nothing, and says so with -Verbose.
        var kept = context.Session.Invoke("Get-DatabaseBackup -Store $store | Get-BackupRetentionPlan -Daily 7 -Weekly 4 -Monthly 12 | Remove-DatabaseBackup -Confirm:$false -Verbose")
            .EnsureSuccess();
        Assert.Equal(2, kept.Verbose.Count(v => v.Message.StartsWith("Keeping ", StringComparison.Ordinal)));
        Assert.Equal(2, ListedIds(context).Count);

        var error = context.Session.Invoke("'app_20250301T023000123Z' | Remove-DatabaseBackup -Confirm:$false").SingleError();
        Assert.StartsWith("BackupInputInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(2, ListedIds(context).Count);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void APolicyThatWouldRemoveEverythingIsRefusedAndNothingIsRemoved(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        context.BackUpSeed(2);
        var result = context.Session.Invoke(
            "Get-DatabaseBackup -Store $store | Get-BackupRetentionPlan -Daily 0 -Weekly 0 -Monthly 0 -KeepMinimum 0 | Remove-DatabaseBackup -Confirm:$false");
        var error = result.SingleError();
        Assert.StartsWith("RetentionWouldRemoveAll,", error.FullyQualifiedErrorId);
        Assert.Contains(services.Postgres.SeedDatabase, error.ToString());
        Assert.Empty(result.Output);
        Assert.Equal(2, ListedIds(context).Count);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void FreshnessJudgesAgeAndSize(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        var backups = context.BackUpSeed(4); // oldest first
        var seed = services.Postgres.SeedDatabase;
        FreshnessView Check(string parameters = "") =>
            context.Session.Invoke("Test-BackupFreshness -Store $store " + parameters).EnsureSuccess().Freshness().Single();

        var healthy = Check();
        Assert.Equal((seed, "Healthy", backups[3].Id, 4), (healthy.Database, healthy.Status, healthy.NewestBackupId, healthy.Count));
        Assert.Empty(healthy.Reasons);
        Assert.InRange(healthy.SizeChangePercent!.Value, -20, 20);
        Assert.Equal(backups.Sum(b => b.StoredBytes), healthy.TotalBytes);
        Assert.True(healthy.Age < TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromDays(1), healthy.MaximumAge);

        var median = healthy.MedianBytes!.Value;
        context.RewriteManifest(backups[3], storedBytes: median * 13 / 10);
        var warning = Check();
        Assert.Equal("Warning", warning.Status);
        Assert.Contains("check for data growth", warning.Reasons.Single());
        Assert.Equal("Healthy", Check("-SizeWarningPercent 40 -SizeCriticalGrowthPercent 100").Status);

        context.RewriteManifest(backups[3], storedBytes: median * 3);
        Assert.Equal("Critical", Check().Status);

        context.RewriteManifest(backups[3], storedBytes: 0);
        var empty = Check();
        Assert.Equal("Critical", empty.Status);
        Assert.Equal(["the newest backup is 0 bytes"], empty.Reasons);

        // Backups that stopped three days ago.
        for (var i = 0; i < backups.Count; i++)
            context.RewriteManifest(backups[i], startedUtc: DateTime.UtcNow.AddDays(-3 - (backups.Count - i)), storedBytes: backups[i].StoredBytes);
        var old = Check();
        Assert.Equal("Critical", old.Status);
        Assert.Contains("more than the maximum age of 1.00:00:00", old.Reasons.Single());
        Assert.Equal("Healthy", Check("-MaximumAge 7.00:00:00").Status);

        var missing = context.Session.Invoke("Test-BackupFreshness -Store $store -Database $args[0], nothing_here", seed).EnsureSuccess().Freshness();
        Assert.Equal(["nothing_here", seed], missing.Select(r => r.Database)); // in ordinal order of name
        Assert.Equal((0, "Critical"), (missing[0].Count, missing[0].Status));
        Assert.Equal(["no backup"], missing[0].Reasons);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void TheRetentionRunbookAppliesTheEnvironmentsPolicy(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        using var environment = new TestEnvironment(services, storeEntry: context.Store.EnvironmentEntry, thresholds: new Dictionary<string, object>
        {
            ["RetentionDaily"] = 1, ["RetentionWeekly"] = 2, ["RetentionMonthly"] = 1, ["RetentionKeepMinimum"] = 1,
        });
        var backups = SpreadBackups(context);

        var whatIf = context.Session.InvokeFile(RetentionRunbook, environment.RunbookParameters(("WhatIf", true), ("Verbose", true))).EnsureSuccess();
        var plan = whatIf.Decisions();
        Assert.Equal(["daily 1 of 1", "beyond policy", "weekly 2 of 2", "beyond policy", "beyond policy", "beyond policy"], plan.Select(d => d.Reason));
        Assert.Contains(whatIf.Verbose, v => v.Message.Contains("6 backups, 4 beyond the retention policy", StringComparison.Ordinal));
        Assert.Equal(6, ListedIds(context).Count);

        var applied = context.Session.InvokeFile(RetentionRunbook, environment.RunbookParameters()).EnsureSuccess();
        Assert.Equal(plan.Select(d => (d.Id, d.Action)), applied.Decisions().Select(d => (d.Id, d.Action)));
        Assert.Equal([backups[0].Id, backups[2].Id], ListedIds(context));
        Assert.Equal(4, context.Store.ObjectNames().Count);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public void TheMorningRunbookReportsCriticalDatabasesAsErrorsAndWarningsAsWarnings(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        var seed = services.Postgres.SeedDatabase;
        using var environment = new TestEnvironment(services, storeEntry: context.Store.EnvironmentEntry, databases: [seed, "never_backed_up"],
            thresholds: new Dictionary<string, object> { ["BackupMaximumAge"] = "0.12:00:00", ["SizeWarningPercent"] = 10 });
        var backups = context.BackUpSeed(3);

        var result = context.Session.InvokeFile(MorningRunbook, environment.RunbookParameters());
        Assert.Null(result.Terminating);
        Assert.Equal([("never_backed_up", "Critical"), (seed, "Healthy")], result.Freshness().Select(r => (r.Database, r.Status)));
        Assert.Equal(TimeSpan.FromHours(12), result.Freshness()[1].MaximumAge);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("BackupStatusCritical", error.FullyQualifiedErrorId);
        Assert.Contains("never_backed_up", error.ToString());
        Assert.Contains("no backup", error.ToString());
        Assert.Empty(result.Warnings);

        // 15 % larger than the median: a warning with the environment's 10 %, not an error.
        var median = result.Freshness()[1].MedianBytes!.Value;
        context.RewriteManifest(backups[2], storedBytes: median * 115 / 100);
        var grown = context.Session.InvokeFile(MorningRunbook, environment.RunbookParameters());
        Assert.Equal("Warning", grown.Freshness()[1].Status);
        Assert.Contains(seed, Assert.Single(grown.Warnings).Message);
        Assert.Single(grown.Errors);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task TheRunnerShowsTheTablesAndFailsWhenADatabaseIsCritical(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        using var environment = new TestEnvironment(services, storeEntry: context.Store.EnvironmentEntry,
            databases: [services.Postgres.SeedDatabase, "never_backed_up"]);
        context.BackUpSeed(2);
        Task<ProcessResult> RunAsync(string runbook, params string[] arguments) => ProcessRunner.RunAsync("dotnet",
            [RunnerTests.Runner, "run", runbook, "-Environment", environment.Name, "-EnvironmentPath", environment.Directory, .. arguments],
            new Dictionary<string, string> { [environment.PasswordVariable] = services.Postgres.Password });

        var retention = await RunAsync(RetentionRunbook, "-WhatIf");
        Assert.True(retention.ExitCode == 0, retention.Error + retention.Output);
        Assert.Contains("Reason", retention.Output);
        Assert.Contains("daily 1 of 7", retention.Output);
        Assert.Contains("minimum 2 of 3", retention.Output);

        var morning = await RunAsync(MorningRunbook);
        Assert.Equal(1, morning.ExitCode);
        Assert.Contains("Reasons", morning.Output);
        Assert.Contains("Healthy", morning.Output);
        Assert.Contains("no backup", morning.Output);
        Assert.Contains("BackupStatusCritical", morning.Error);
        Assert.Contains("never_backed_up", morning.Error);
        Assert.Equal(2, context.Store.ObjectNames().Count(n => n.EndsWith(".manifest.json", StringComparison.Ordinal)));
    }
}
