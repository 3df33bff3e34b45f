using System.Collections;
using OpsRunbooks.Backup;
using OpsRunbooks.Environments;
using Xunit;
using static OpsRunbooks.Core.Tests.Backup.TestBackups;

namespace OpsRunbooks.Core.Tests.Backup;

public sealed class BackupFreshnessTests
{
    private static readonly DateTime Now = Utc(2025, 3, 12, 9);
    private static readonly FreshnessPolicy Defaults = new();

    /// <summary>Eight nightly backups of 1000 bytes before the newest one, which has <paramref name="newestBytes"/>.</summary>
    private static List<BackupRecord> History(long newestBytes, string database = "app", TimeSpan? newestAge = null)
    {
        var newestFinished = Now - (newestAge ?? TimeSpan.FromHours(6));
        var backups = Enumerable.Range(1, 8).Select(i => Record(database, newestFinished.AddMinutes(-5).AddDays(-i), 1000)).ToList();
        backups.Add(Record(database, newestFinished.AddMinutes(-5), newestBytes));
        return backups;
    }

    private static BackupFreshnessResult Single(IEnumerable<BackupRecord> backups, FreshnessPolicy? policy = null) =>
        Assert.Single(BackupFreshness.Evaluate(backups, [], policy ?? Defaults, Now));

    [Theory]
    [InlineData(1000, BackupFreshnessStatus.Healthy)]
    [InlineData(1100, BackupFreshnessStatus.Healthy)]
    [InlineData(1200, BackupFreshnessStatus.Healthy)] // +20 % is still within ±20 %
    [InlineData(800, BackupFreshnessStatus.Healthy)]
    [InlineData(1201, BackupFreshnessStatus.Warning)]
    [InlineData(1500, BackupFreshnessStatus.Warning)]
    [InlineData(1800, BackupFreshnessStatus.Warning)] // between +50 % and +100 %: still growth to check, not yet critical
    [InlineData(2000, BackupFreshnessStatus.Warning)] // +100 % exactly
    [InlineData(2001, BackupFreshnessStatus.Critical)]
    [InlineData(799, BackupFreshnessStatus.Warning)]
    [InlineData(500, BackupFreshnessStatus.Warning)] // -50 % exactly
    [InlineData(499, BackupFreshnessStatus.Critical)]
    [InlineData(1, BackupFreshnessStatus.Critical)]
    [InlineData(0, BackupFreshnessStatus.Critical)]
    public void SizeIsJudgedAgainstTheMedianOfThePreviousBackups(long newestBytes, BackupFreshnessStatus expected)
    {
        var result = Single(History(newestBytes));
        Assert.Equal(expected, result.Status);
        Assert.Equal(1000, result.MedianBytes);
        Assert.Equal(newestBytes, result.NewestBytes);
        Assert.Equal((newestBytes - 1000) / 10.0, result.SizeChangePercent!.Value, precision: 6);
        Assert.Equal(expected == BackupFreshnessStatus.Healthy ? 0 : 1, result.Reasons.Length);
    }

    [Fact]
    public void ReasonsSayWhatToLookAt()
    {
        Assert.Contains("check for data growth", Single(History(1300)).Reasons.Single());
        Assert.Contains("30.0 % smaller", Single(History(700)).Reasons.Single());
        Assert.Contains("failed or partial backup", Single(History(400)).Reasons.Single());
        Assert.Contains("unexpected data growth", Single(History(2500)).Reasons.Single());
        Assert.Equal("the newest backup is 0 bytes", Single(History(0)).Reasons.Single());
    }

    [Fact]
    public void ABackupOlderThanTheMaximumAgeIsCritical()
    {
        var old = Single(History(1000, newestAge: TimeSpan.FromHours(30)));
        Assert.Equal(BackupFreshnessStatus.Critical, old.Status);
        Assert.Equal(TimeSpan.FromHours(30), old.Age);
        Assert.Equal(TimeSpan.FromDays(1), old.MaximumAge);
        Assert.Equal("the newest backup finished 1.06:00:00 ago, more than the maximum age of 1.00:00:00", old.Reasons.Single());

        Assert.Equal(BackupFreshnessStatus.Healthy, Single(History(1000, newestAge: TimeSpan.FromDays(1))).Status);
        Assert.Equal(BackupFreshnessStatus.Healthy, Single(History(1000, newestAge: TimeSpan.FromHours(30)), new FreshnessPolicy(TimeSpan.FromDays(2))).Status);
    }

    [Fact]
    public void AnOldAndShrunkenBackupGivesBothReasons()
    {
        var result = Single(History(100, newestAge: TimeSpan.FromDays(3)));
        Assert.Equal(BackupFreshnessStatus.Critical, result.Status);
        Assert.Equal(2, result.Reasons.Length);
    }

    [Fact]
    public void ANamedDatabaseWithoutBackupsIsCritical()
    {
        var results = BackupFreshness.Evaluate(History(1000, "app"), ["billing", "app"], Defaults, Now);
        Assert.Equal(["app", "billing"], results.Select(r => r.Database));
        var billing = results[1];
        Assert.Equal(BackupFreshnessStatus.Critical, billing.Status);
        Assert.Equal(["no backup"], billing.Reasons);
        Assert.Equal((0, 0L, null, null, null), (billing.Count, billing.TotalBytes, billing.NewestBackupId, billing.OldestUtc, billing.Age));
    }

    [Fact]
    public void OnlyTheLastBaselineBackupsMakeTheMedian()
    {
        var backups = History(1000);
        // Much older, much smaller backups beyond the seven compared do not count.
        backups.AddRange(Enumerable.Range(20, 9).Select(i => Record("app", Now.AddDays(-i), 10)));
        Assert.Equal(1000, Single(backups).MedianBytes);
        var longer = Single(backups, new FreshnessPolicy(sizeBaselineCount: 17));
        Assert.Equal(10, longer.MedianBytes);
        Assert.Equal(BackupFreshnessStatus.Critical, longer.Status);
    }

    [Fact]
    public void TheMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo()
    {
        var backups = new[] { 100L, 400, 200, 300 }.Select((bytes, i) => Record("app", Now.AddDays(-i - 1), bytes)).ToList();
        backups.Add(Record("app", Now.AddHours(-1), 250));
        var result = Single(backups);
        Assert.Equal(250, result.MedianBytes);
        Assert.Equal(0, result.SizeChangePercent);
    }

    [Fact]
    public void TheFirstBackupHasNothingToBeComparedWith()
    {
        var result = Single([Record("app", Now.AddHours(-2), 1234)]);
        Assert.Equal(BackupFreshnessStatus.Healthy, result.Status);
        Assert.Null(result.MedianBytes);
        Assert.Null(result.SizeChangePercent);
        Assert.Empty(result.Reasons);
    }

    [Fact]
    public void ResultsSummariseTheStore()
    {
        var backups = History(1100);
        var result = Single(backups);
        var newest = backups[^1];
        Assert.Equal(9, result.Count);
        Assert.Equal(8 * 1000 + 1100, result.TotalBytes);
        Assert.Equal(backups[^2].StartedUtc, result.OldestUtc);
        Assert.Equal(newest.StartedUtc, result.NewestUtc);
        Assert.Equal(newest.Id, result.NewestBackupId);
        Assert.Equal(newest.FinishedUtc, result.NewestFinishedUtc);
    }

    [Fact]
    public void ThresholdsCanBeChanged()
    {
        var strict = new FreshnessPolicy(sizeWarningPercent: 5, sizeCriticalGrowthPercent: 25, sizeCriticalDropPercent: 10);
        Assert.Equal(BackupFreshnessStatus.Warning, Single(History(1060), strict).Status);
        Assert.Equal(BackupFreshnessStatus.Critical, Single(History(1300), strict).Status);
        Assert.Equal(BackupFreshnessStatus.Critical, Single(History(850), strict).Status);
    }

    [Theory]
    [InlineData(30, 20, 50, "SizeCriticalGrowthPercent")]
    [InlineData(20, 100, 10, "SizeCriticalDropPercent")]
    [InlineData(20, 100, 120, "SizeCriticalDropPercent")]
    [InlineData(-1, 100, 50, "SizeWarningPercent")]
    public void InconsistentThresholdsAreRefused(double warning, double growth, double drop, string named)
    {
        var error = Assert.Throws<OpsException>(() => new FreshnessPolicy(null, warning, growth, drop));
        Assert.Equal("FreshnessPolicyInvalid", error.ErrorId);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void PoliciesComeFromTheEnvironmentFileUnlessGiven()
    {
        var environment = Environment(new Hashtable
        {
            ["BackupMaximumAge"] = "2.00:00:00", ["SizeWarningPercent"] = "10", ["SizeCriticalGrowthPercent"] = 80,
            ["SizeCriticalDropPercent"] = "40.5", ["SizeBaselineCount"] = 3,
            ["RetentionDaily"] = 14, ["RetentionWeekly"] = "8", ["RetentionKeepMinimum"] = 5,
        });
        var freshness = FreshnessPolicy.For(environment);
        Assert.Equal((TimeSpan.FromDays(2), 10.0, 80.0, 40.5, 3),
            (freshness.MaximumAge, freshness.SizeWarningPercent, freshness.SizeCriticalGrowthPercent, freshness.SizeCriticalDropPercent, freshness.SizeBaselineCount));
        Assert.Equal(TimeSpan.FromHours(1), FreshnessPolicy.For(environment, maximumAge: TimeSpan.FromHours(1)).MaximumAge);
        Assert.Equal(new RetentionPolicy(14, 8, 12, 5), RetentionPolicy.For(environment));
        Assert.Equal(new RetentionPolicy(1, 8, 2, 5), RetentionPolicy.For(environment, daily: 1, monthly: 2));

        Assert.Equal(new FreshnessPolicy(), FreshnessPolicy.For(Environment(new Hashtable())));
        Assert.Equal(new RetentionPolicy(7, 4, 12, 3), RetentionPolicy.For(null));
    }

    [Theory]
    [InlineData("BackupMaximumAge", "tomorrow")]
    [InlineData("BackupMaximumAge", "-1.00:00:00")]
    [InlineData("SizeWarningPercent", "20%")]
    [InlineData("SizeCriticalDropPercent", "-5")]
    [InlineData("RetentionDaily", "seven")]
    [InlineData("RetentionMonthly", "-1")]
    [InlineData("SizeBaselineCount", "2.5")]
    public void ABadThresholdNamesTheFileAndKeyWhenTheFileIsRead(string key, string value)
    {
        var error = Assert.Throws<OpsException>(() => Environment(new Hashtable { [key] = value }));
        Assert.Equal("EnvironmentFileInvalid", error.ErrorId);
        Assert.Contains("staging.psd1", error.Message);
        Assert.Contains($"Thresholds.{key}", error.Message);
        Assert.Contains(value, error.Message);
    }

    private static OpsEnvironment Environment(Hashtable thresholds) =>
        EnvironmentDefinitionReader.Read(new Hashtable { ["Thresholds"] = thresholds }, "/etc/opsrunbooks/environments/staging.psd1", "staging");
}
