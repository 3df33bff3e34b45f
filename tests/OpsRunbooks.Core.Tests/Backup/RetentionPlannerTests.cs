using OpsRunbooks.Backup;
using OpsRunbooks.Storage;
using Xunit;
using static OpsRunbooks.Core.Tests.Backup.TestBackups;

namespace OpsRunbooks.Core.Tests.Backup;

public sealed class RetentionPlannerTests
{
    private static Dictionary<DateTime, string> Kept(IEnumerable<RetentionDecision> plan) =>
        plan.Where(d => d.Action == RetentionAction.Keep).ToDictionary(d => d.StartedUtc.Date, d => d.Reason);

    private static List<DateTime> Removed(IEnumerable<RetentionDecision> plan) =>
        plan.Where(d => d.Action == RetentionAction.Remove).Select(d => d.StartedUtc).ToList();

    [Fact]
    public void FourHundredDailyBackupsKeepSevenDaysFourWeeksAndTwelveMonths()
    {
        // 2025-03-12 is a Wednesday in ISO week 11; the backups go back to 2024-02-07.
        var backups = Daily("app", Utc(2025, 3, 12), 400);
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(7, 4, 12, 0));

        var expected = new Dictionary<DateTime, string>
        {
            [Utc(2025, 3, 12).Date] = "daily 1 of 7", // also weekly 1 and monthly 1: the most specific reason is given
            [Utc(2025, 3, 11).Date] = "daily 2 of 7",
            [Utc(2025, 3, 10).Date] = "daily 3 of 7",
            [Utc(2025, 3, 9).Date] = "daily 4 of 7", // the Sunday ending week 10: also weekly 2
            [Utc(2025, 3, 8).Date] = "daily 5 of 7",
            [Utc(2025, 3, 7).Date] = "daily 6 of 7",
            [Utc(2025, 3, 6).Date] = "daily 7 of 7",
            [Utc(2025, 3, 2).Date] = "weekly 3 of 4",
            [Utc(2025, 2, 23).Date] = "weekly 4 of 4",
            [Utc(2025, 2, 28).Date] = "monthly 2 of 12",
            [Utc(2025, 1, 31).Date] = "monthly 3 of 12",
            [Utc(2024, 12, 31).Date] = "monthly 4 of 12",
            [Utc(2024, 11, 30).Date] = "monthly 5 of 12",
            [Utc(2024, 10, 31).Date] = "monthly 6 of 12",
            [Utc(2024, 9, 30).Date] = "monthly 7 of 12",
            [Utc(2024, 8, 31).Date] = "monthly 8 of 12",
            [Utc(2024, 7, 31).Date] = "monthly 9 of 12",
            [Utc(2024, 6, 30).Date] = "monthly 10 of 12",
            [Utc(2024, 5, 31).Date] = "monthly 11 of 12",
            [Utc(2024, 4, 30).Date] = "monthly 12 of 12",
        };
        Assert.Equal(400, plan.Count);
        Assert.Equal(7 + 4 + 12 - 3, expected.Count);
        Assert.Equal(expected.OrderBy(e => e.Key), Kept(plan).OrderBy(e => e.Key));
        Assert.All(plan.Where(d => d.Action == RetentionAction.Remove), d => Assert.Equal("beyond policy", d.Reason));
        Assert.Equal(backups.Select(b => b.Id), plan.Select(d => d.Id));
    }

    [Fact]
    public void TheSeedRunbooksDefaultPolicyKeepsTheSameAsWithAMinimumOfThree()
    {
        var backups = Daily("app", Utc(2025, 3, 12), 400);
        Assert.Equal(
            RetentionPlanner.Plan(backups, new RetentionPolicy(7, 4, 12, 0)).Select(d => (d.Id, d.Action, d.Reason)),
            RetentionPlanner.Plan(backups, RetentionPolicy.For(null)).Select(d => (d.Id, d.Action, d.Reason)));
    }

    [Fact]
    public void AnIsoWeekAcrossTheYearEndIsOneWeek()
    {
        // ISO week 1 of 2025 runs from Monday 2024-12-30 to Sunday 2025-01-05.
        var backups = new[] { Utc(2024, 12, 28), Utc(2024, 12, 30), Utc(2024, 12, 31), Utc(2025, 1, 1), Utc(2025, 1, 5), Utc(2025, 1, 6) }
            .Select(t => Record("app", t));
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(0, 3, 0, 0));

        Assert.Equal(new Dictionary<DateTime, string>
        {
            [Utc(2025, 1, 6).Date] = "weekly 1 of 3",
            [Utc(2025, 1, 5).Date] = "weekly 2 of 3",
            [Utc(2024, 12, 28).Date] = "weekly 3 of 3",
        }, Kept(plan));
        Assert.Equal([Utc(2025, 1, 1), Utc(2024, 12, 31), Utc(2024, 12, 30)], Removed(plan));
    }

    [Fact]
    public void TheFirstDaysOfAYearCanBelongToWeek53OfThePreviousOne()
    {
        // 2021-01-01 to 2021-01-03 are in ISO week 53 of 2020, with 2020-12-31.
        var backups = new[] { Utc(2020, 12, 31), Utc(2021, 1, 3), Utc(2021, 1, 4) }.Select(t => Record("app", t));
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(0, 2, 0, 0));
        Assert.Equal(new Dictionary<DateTime, string>
        {
            [Utc(2021, 1, 4).Date] = "weekly 1 of 2",
            [Utc(2021, 1, 3).Date] = "weekly 2 of 2",
        }, Kept(plan));
        Assert.Equal([Utc(2020, 12, 31)], Removed(plan));
    }

    [Fact]
    public void MonthsAndDaysEndAtUtcMidnight()
    {
        var lastOfJanuary = new DateTime(2024, 1, 31, 23, 59, 59, 999, DateTimeKind.Utc);
        var firstOfFebruary = Utc(2024, 2, 1, 0);
        var leapDay = Utc(2024, 2, 29, 23, 30);
        var firstOfMarch = Utc(2024, 3, 1, 0, 30);
        var backups = new[] { lastOfJanuary, firstOfFebruary, leapDay, firstOfMarch }.Select(t => Record("app", t)).ToList();

        var monthly = RetentionPlanner.Plan(backups, new RetentionPolicy(0, 0, 3, 0));
        Assert.Equal(["monthly 1 of 3", "monthly 2 of 3", "beyond policy", "monthly 3 of 3"], monthly.Select(d => d.Reason));
        Assert.Equal([firstOfMarch, leapDay, firstOfFebruary, lastOfJanuary], monthly.Select(d => d.StartedUtc));

        // Every backup is on a day of its own, even 1 ms apart across midnight.
        var daily = RetentionPlanner.Plan(backups, new RetentionPolicy(4, 0, 0, 0));
        Assert.All(daily, d => Assert.Equal(RetentionAction.Keep, d.Action));
    }

    [Fact]
    public void OnlyTheNewestBackupOfADayIsKeptAsItsDaily()
    {
        var backups = Enumerable.Range(0, 10)
            .SelectMany(day => new[] { 1, 9, 17 }.Select(hour => Record("app", Utc(2025, 6, 1, hour).AddDays(day))))
            .ToList();
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(7, 0, 0, 0));
        var kept = plan.Where(d => d.Action == RetentionAction.Keep).ToList();
        Assert.Equal(7, kept.Count);
        Assert.All(kept, d => Assert.Equal(17, d.StartedUtc.Hour));
        Assert.Equal(Enumerable.Range(3, 7).Reverse().Select(day => Utc(2025, 6, 1, 17).AddDays(day)), kept.Select(d => d.StartedUtc));
    }

    [Fact]
    public void PeriodsAreTheMostRecentOnesThatHaveBackupsSoAGapDoesNotCostBackups()
    {
        // Backups stopped on the 3rd and resumed on the 20th: the five days kept are the five newest with backups.
        var backups = new[] { 1, 2, 3, 20, 21, 22 }.Select(day => Record("app", Utc(2025, 5, day))).ToList();
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(5, 0, 0, 0));
        Assert.Equal([Utc(2025, 5, 1)], Removed(plan));
        Assert.Equal("daily 5 of 5", plan.Single(d => d.StartedUtc == Utc(2025, 5, 2)).Reason);
    }

    [Fact]
    public void KeepMinimumKeepsTheNewestOfTheOthersUntilThereAreEnough()
    {
        var backups = Enumerable.Range(0, 5).Select(i => Record("app", Utc(2025, 6, 1, 10 + i))).ToList();
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(1, 0, 0, 3));
        Assert.Equal(["daily 1 of 1", "minimum 2 of 3", "minimum 3 of 3", "beyond policy", "beyond policy"], plan.Select(d => d.Reason));
        Assert.Equal([RetentionAction.Keep, RetentionAction.Keep, RetentionAction.Keep, RetentionAction.Remove, RetentionAction.Remove],
            plan.Select(d => d.Action));

        var few = RetentionPlanner.Plan(backups.Take(2), new RetentionPolicy(0, 0, 0, 5));
        Assert.Equal(["minimum 1 of 5", "minimum 2 of 5"], few.Select(d => d.Reason));
    }

    [Fact]
    public void KeepMinimumAddsNothingWhenThePolicyKeepsEnough()
    {
        var backups = Daily("app", Utc(2025, 6, 30), 10);
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(3, 0, 0, 2));
        Assert.Equal(3, plan.Count(d => d.Action == RetentionAction.Keep));
        Assert.DoesNotContain(plan, d => d.Reason.StartsWith("minimum", StringComparison.Ordinal));
    }

    [Fact]
    public void APolicyThatWouldRemoveEveryBackupIsRefused()
    {
        var backups = Daily("app", Utc(2025, 6, 30), 3).Concat(Daily("billing", Utc(2025, 6, 30), 2));
        var error = Assert.Throws<OpsException>(() => RetentionPlanner.Plan(backups, new RetentionPolicy(0, 0, 0, 0)));
        Assert.Equal("RetentionWouldRemoveAll", error.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, error.Kind);
        Assert.Contains("'app'", error.Message);
        Assert.Contains("all 3 backups", error.Message);

        Assert.Empty(RetentionPlanner.Plan([], new RetentionPolicy(0, 0, 0, 0)));
    }

    [Fact]
    public void NegativeCountsAreRefused()
    {
        var error = Assert.Throws<OpsException>(() => new RetentionPolicy(7, -1, 12, 3));
        Assert.Equal("RetentionPolicyInvalid", error.ErrorId);
        Assert.Contains("Weekly", error.Message);
    }

    [Fact]
    public void EachDatabaseOfEachStoreIsPlannedOnItsOwn()
    {
        var local = new LocalDirectoryStore("/var/backups/one");
        var other = new LocalDirectoryStore("/var/backups/two");
        var backups = new List<BackupRecord>();
        for (var day = 1; day <= 5; day++)
        {
            backups.Add(Record("billing", Utc(2025, 6, day), store: local));
            backups.Add(Record("app", Utc(2025, 6, day), store: local));
            backups.Add(Record("app", Utc(2025, 6, day, 3), store: other));
        }
        var plan = RetentionPlanner.Plan(backups, new RetentionPolicy(2, 0, 0, 0));

        Assert.Equal(["app", "app", "app", "app", "app", "app", "app", "app", "app", "app", "billing", "billing", "billing", "billing", "billing"],
            plan.Select(d => d.Database));
        foreach (var group in plan.GroupBy(d => (d.Database, d.Backup.Store)))
        {
            Assert.Equal([RetentionAction.Keep, RetentionAction.Keep, RetentionAction.Remove, RetentionAction.Remove, RetentionAction.Remove],
                group.Select(d => d.Action));
            Assert.Equal(group.Select(d => d.StartedUtc).OrderDescending(), group.Select(d => d.StartedUtc));
        }
    }

    [Fact]
    public void DecisionsCarryTheBackup()
    {
        var backup = Record("app", Utc(2025, 6, 1), storedBytes: 4321);
        var decision = Assert.Single(RetentionPlanner.Plan([backup], new RetentionPolicy(1, 0, 0, 0)));
        Assert.Same(backup, decision.Backup);
        Assert.Equal(("app", backup.Id, backup.StartedUtc, 4321L), (decision.Database, decision.Id, decision.StartedUtc, decision.StoredBytes));
    }

    [Fact]
    public void AnyPlanKeepsTheNewestAndTheMinimumAndDoesNotDependOnInputOrder()
    {
        var random = new Random(20250312);
        for (var run = 0; run < 300; run++)
        {
            var start = Utc(2023, 1, 1).AddDays(random.Next(0, 700));
            var backups = Enumerable.Range(0, random.Next(1, 60))
                .Select(_ => Record("app", start.AddHours(random.Next(0, 24 * 500)).AddSeconds(random.Next(0, 3600))))
                .DistinctBy(b => b.Id)
                .ToList();
            var policy = new RetentionPolicy(random.Next(0, 9), random.Next(0, 6), random.Next(0, 14), random.Next(0, 5));
            if (policy is { Daily: 0, Weekly: 0, Monthly: 0, KeepMinimum: 0 }) continue;

            var plan = RetentionPlanner.Plan(backups, policy);
            var shuffled = RetentionPlanner.Plan(backups.OrderBy(_ => random.Next()).ToList(), policy);

            var newest = backups.MaxBy(b => b.StartedUtc)!;
            Assert.Equal(RetentionAction.Keep, plan[0].Action);
            Assert.Equal(newest.Id, plan[0].Id);
            var kept = plan.Count(d => d.Action == RetentionAction.Keep);
            Assert.True(kept >= Math.Min(policy.KeepMinimum, backups.Count), $"{policy}: kept {kept} of {backups.Count}");
            Assert.True(kept <= Math.Max(policy.Daily + policy.Weekly + policy.Monthly, policy.KeepMinimum), $"{policy}: kept {kept}");
            Assert.Equal(backups.Select(b => b.Id).Order(), plan.Select(d => d.Id).Order());
            Assert.Equal(plan.Select(d => (d.Id, d.Action, d.Reason)), shuffled.Select(d => (d.Id, d.Action, d.Reason)));
        }
    }
}
