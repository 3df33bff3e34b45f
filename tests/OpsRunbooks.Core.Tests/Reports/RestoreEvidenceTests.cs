using OpsRunbooks.Backup;
using OpsRunbooks.Journal;
using OpsRunbooks.Reports;
using Xunit;

namespace OpsRunbooks.Core.Tests.Reports;

public sealed class RestoreEvidenceTests
{
    private static readonly DateTime Now = new(2026, 3, 12, 9, 0, 0, DateTimeKind.Utc);

    private static OperationLogEntry Entry(string operation, string database, DateTime finished, double? restoreSeconds,
        OperationOutcome outcome = OperationOutcome.Succeeded, string? environment = "production", bool byBackupId = true)
    {
        var figures = new OperationFigures();
        if (byBackupId) figures.Add("BackupId", BackupNaming.NewId(database, finished.AddHours(-1)));
        else figures.Add("Database", database);
        if (restoreSeconds is { } seconds) figures.Add("RestoreSeconds", seconds);
        return new OperationLogEntry
        {
            Id = Guid.NewGuid().ToString("N"), Operation = operation, Target = database, Environment = environment,
            User = "ops", Host = "db-backup1", StartedAt = finished.AddMinutes(-5), FinishedAt = finished, Outcome = outcome,
            Figures = figures, ErrorId = outcome == OperationOutcome.Failed ? "ChecksumMismatch" : null,
        };
    }

    private static RestoreEvidence Single(IEnumerable<OperationLogEntry> entries, int window = 3) =>
        Assert.Single(RestoreEvidenceBuilder.Build(entries, [], "production", window, Now));

    [Fact]
    public void TheNewestSuccessProvesTheDatabaseAndTheFailuresAfterItAreCounted()
    {
        var evidence = Single([
            Entry("RestoreTest", "app", Now.AddDays(-3), 40),
            Entry("DisasterRecoveryTest", "app", Now.AddDays(-2), 42, byBackupId: false),
            Entry("RestoreTest", "app", Now.AddDays(-1), null, OperationOutcome.Failed),
            Entry("RestoreTest", "app", Now.AddHours(-2), null, OperationOutcome.Failed),
            Entry("DatabaseBackup", "app", Now.AddHours(-1), null),
        ]);
        Assert.Equal("app", evidence.Database);
        Assert.Equal(Now.AddDays(-2), evidence.LastProvenUtc);
        Assert.Equal(TimeSpan.FromDays(2), evidence.LastProvenAge);
        Assert.Equal("DisasterRecoveryTest", evidence.LastProvenBy);
        Assert.Equal(TimeSpan.FromSeconds(42), evidence.RestoreTime);
        Assert.Equal(2, evidence.FailuresSince);
        Assert.Equal("ChecksumMismatch", evidence.LastFailureErrorId);
        Assert.Equal([40.0, 42.0], evidence.History.Select(s => s.RestoreTime.TotalSeconds));
    }

    [Fact]
    public void TheRestoreTestADrillRanCountsAsPartOfTheDrill()
    {
        var backupId = BackupNaming.NewId("app", Now.AddHours(-2));
        OperationLogEntry Timed(string operation, DateTime started, DateTime finished, double seconds) => new()
        {
            Id = Guid.NewGuid().ToString("N"), Operation = operation, Target = "app", Environment = "production", User = "ops", Host = "h",
            StartedAt = started, FinishedAt = finished, Outcome = OperationOutcome.Succeeded,
            Figures = new OperationFigures { { "BackupId", backupId }, { "RestoreSeconds", seconds } },
        };
        var evidence = Single([
            Timed("DisasterRecoveryTest", Now.AddMinutes(-10), Now, 30),
            Timed("RestoreTest", Now.AddMinutes(-8), Now.AddMinutes(-1), 30),
            Timed("RestoreTest", Now.AddHours(-1), Now.AddMinutes(-50), 20),
        ]);
        Assert.Equal([20.0, 30.0], evidence.History.Select(s => s.RestoreTime.TotalSeconds));
        Assert.Equal(["RestoreTest", "DisasterRecoveryTest"], evidence.History.Select(s => s.Operation));
    }

    [Theory]
    [InlineData(new double[] { 10, 10, 10, 10, 10, 10 }, RestoreTrend.Steady, 0d)]
    [InlineData(new double[] { 10, 10, 10, 15, 15, 15 }, RestoreTrend.Slower, 50d)]
    [InlineData(new double[] { 20, 20, 20, 10, 12, 11 }, RestoreTrend.Faster, -45d)]
    [InlineData(new double[] { 10, 10, 10, 10.5, 11, 10.9 }, RestoreTrend.Steady, 9d)]
    [InlineData(new double[] { 10, 12, 11 }, RestoreTrend.Unknown, null)]
    public void TheTrendComparesTheMedianOfTheLastRestoresWithTheOnesBefore(double[] oldestFirst, RestoreTrend trend, double? percent)
    {
        var entries = oldestFirst.Select((seconds, i) => Entry("RestoreTest", "app", Now.AddDays(i - oldestFirst.Length), seconds));
        var evidence = Single(entries);
        Assert.Equal(trend, evidence.Trend);
        Assert.Equal(percent, evidence.TrendPercent);
    }

    [Fact]
    public void ListedDatabasesWithoutEntriesAreNeverProvenAndOtherEnvironmentsDoNotCount()
    {
        var evidence = RestoreEvidenceBuilder.Build([
            Entry("RestoreTest", "app", Now.AddDays(-1), 30),
            Entry("RestoreTest", "billing", Now.AddDays(-1), 30, environment: "staging"),
            Entry("RestoreTest", "café/..", Now.AddDays(-1), 30),
        ], ["billing", "app"], "production", 5, Now);
        Assert.Equal(["app", "billing", "café/.."], evidence.Select(e => e.Database));
        var billing = evidence[1];
        Assert.Null(billing.LastProvenUtc);
        Assert.Equal(RestoreTrend.Unknown, billing.Trend);
        Assert.Equal(0, billing.FailuresSince);
        Assert.Empty(billing.History);
    }
}
