using OpsRunbooks.Scaling.Recommendation;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

public sealed class ScaleDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private static ScalePolicy Policy(int minimum = 1, int maximum = 100, int? stepUp = null, int? stepDown = null, double tolerance = 0.1, int stabilizationMinutes = 5) => new()
    {
        TargetWaitMinutes = 2,
        JobsPerWorkerPerMinute = 5,
        Minimum = minimum,
        Maximum = maximum,
        MaxStepUp = stepUp,
        MaxStepDown = stepDown,
        Tolerance = tolerance,
        ScaleDownStabilization = TimeSpan.FromMinutes(stabilizationMinutes),
    };

    private static ScaleObservation Seen(long pending, int current, double? oldestMinutes = null) => new()
    {
        Pending = pending,
        Current = current,
        OldestPendingAge = oldestMinutes is { } m ? TimeSpan.FromMinutes(m) : null,
    };

    private static PastRecommendation Ago(int minutes, int count) => new(Now.AddMinutes(-minutes), count);

    [Theory]
    [InlineData(567, 57)] // the seed's example: 567 jobs, 2 minutes, 5 jobs a minute
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(10, 1)]
    [InlineData(11, 2)]
    [InlineData(600, 60)]
    public void TheSeedsFormulaRoundsUp(long pending, int expected) =>
        Assert.Equal(expected, ScaleDecider.Wanted(pending, Policy()));

    [Fact]
    public void TheBriefsExampleReadsAsItsReason()
    {
        var decision = ScaleDecider.Decide(Policy(stepUp: 20), Seen(567, 12, oldestMinutes: 6.2), [], Now);

        Assert.Equal(32, decision.Desired);
        Assert.Equal(57, decision.Wanted);
        Assert.Equal(ScaleRule.Formula, decision.Rule);
        Assert.Equal(ScaleLimit.MaxStepUp, decision.CappedBy);
        Assert.Equal("567 pending, oldest waited 6 min > 2 min target → 57 wanted, capped at +20 per step → 32", decision.Reason);
    }

    [Fact]
    public void WithinTheToleranceNothingChanges()
    {
        var up = ScaleDecider.Decide(Policy(maximum: 200), Seen(1050, 100), [], Now); // 105 wanted: +5 %
        var down = ScaleDecider.Decide(Policy(), Seen(910, 100), [], Now); // 91 wanted: −9 %

        Assert.Equal((100, ScaleRule.Tolerance), (up.Desired, up.Rule));
        Assert.Equal((100, ScaleRule.Tolerance), (down.Desired, down.Rule));
        Assert.Contains("within ±10 % of 100 → 100", up.Reason);
    }

    [Fact]
    public void JustOutsideTheToleranceScales()
    {
        var decision = ScaleDecider.Decide(Policy(maximum: 200), Seen(1120, 100), [], Now); // 112 wanted

        Assert.Equal(112, decision.Desired);
        Assert.Equal(ScaleRule.Formula, decision.Rule);
    }

    [Fact]
    public void JobsWaitingTooLongNeverScaleDownAndRiseByAtLeastAStep()
    {
        // 20 pending want 2 workers, but the oldest has waited 5 minutes against a 2 minute target.
        var decision = ScaleDecider.Decide(Policy(), Seen(20, 30, oldestMinutes: 5), [Ago(10, 1)], Now);

        Assert.Equal(ScaleRule.WaitTime, decision.Rule);
        Assert.Equal(33, decision.Desired); // +max(1, 10 % of 30)
        Assert.Contains("jobs wait too long: at least +3 → 33", decision.Reason);
    }

    [Fact]
    public void AWaitWithinTheTargetDoesNotForceAStep()
    {
        var decision = ScaleDecider.Decide(Policy(stabilizationMinutes: 0), Seen(20, 30, oldestMinutes: 1.5), [], Now);

        Assert.Equal(2, decision.Desired);
        Assert.StartsWith("20 pending, oldest waited 1 min ≤ 2 min target → 2 wanted", decision.Reason);
    }

    [Fact]
    public void ScaleDownWaitsUntilEveryRecommendationOfTheWindowWasLower()
    {
        var held = ScaleDecider.Decide(Policy(), Seen(20, 30), [Ago(4, 30), Ago(2, 10)], Now);
        Assert.Equal((30, ScaleRule.Stabilization), (held.Desired, held.Rule));
        Assert.Contains("30 was recommended within the last 5 min: no scale-down yet → 30", held.Reason);

        var partly = ScaleDecider.Decide(Policy(), Seen(20, 30), [Ago(4, 12), Ago(2, 10)], Now);
        Assert.Equal((12, ScaleRule.Stabilization), (partly.Desired, partly.Rule));

        var outsideTheWindow = ScaleDecider.Decide(Policy(), Seen(20, 30), [Ago(6, 30), Ago(2, 2)], Now);
        Assert.Equal((2, ScaleRule.Formula), (outsideTheWindow.Desired, outsideTheWindow.Rule));
        Assert.Equal(2, outsideTheWindow.Proposed);
    }

    [Fact]
    public void NoWindowScalesDownAtOnce()
    {
        var decision = ScaleDecider.Decide(Policy(stabilizationMinutes: 0), Seen(20, 30), [Ago(1, 30)], Now);
        Assert.Equal(2, decision.Desired);
    }

    [Fact]
    public void StepsCapBothWays()
    {
        var down = ScaleDecider.Decide(Policy(stepDown: 5, stabilizationMinutes: 0), Seen(0, 30), [], Now);
        Assert.Equal((25, ScaleLimit.MaxStepDown), (down.Desired, down.CappedBy));
        Assert.EndsWith("capped at −5 per step → 25", down.Reason);
    }

    [Fact]
    public void BoundsWin()
    {
        var high = ScaleDecider.Decide(Policy(maximum: 40), Seen(5000, 10), [], Now);
        Assert.Equal((40, ScaleLimit.Maximum), (high.Desired, high.CappedBy));

        var low = ScaleDecider.Decide(Policy(minimum: 3, stabilizationMinutes: 0), Seen(0, 10), [], Now);
        Assert.Equal((3, ScaleLimit.Minimum), (low.Desired, low.CappedBy));
        Assert.EndsWith("raised to the minimum of 3 → 3", low.Reason);
    }

    [Fact]
    public void FreeDatabaseConnectionsCapTheWorkersAndSaySo()
    {
        var observation = Seen(567, 12) with { Database = new ConnectionCapacity("db1:5432", 100, 78, 10, 2) };

        var decision = ScaleDecider.Decide(Policy(), observation, [], Now);

        Assert.Equal(18, decision.Desired); // 12 free / 2 per worker = 6 more
        Assert.Equal(ScaleLimit.DatabaseConnections, decision.CappedBy);
        Assert.Contains("capped by 12 free connections on db1:5432 (100 max − 78 in use − 10 reserved) at 2 per worker → 18", decision.Reason);
    }

    [Fact]
    public void NoFreeConnectionsNeverForcesAScaleDown()
    {
        var observation = Seen(567, 12) with { Database = new ConnectionCapacity("db1:5432", 100, 99, 10, 2) };

        var decision = ScaleDecider.Decide(Policy(), observation, [], Now);

        Assert.Equal(12, decision.Desired);
        Assert.Equal(ScaleLimit.DatabaseConnections, decision.CappedBy);
    }

    [Fact]
    public void AFullRedisWarnsWithoutChangingTheCount()
    {
        var observation = Seen(567, 57) with { Redis = new RedisMemory("cache:6379", 900 * 1048576L, 1000 * 1048576L) };

        var decision = ScaleDecider.Decide(Policy(), observation, [], Now);

        Assert.Equal(57, decision.Desired);
        var warning = Assert.Single(decision.Warnings);
        Assert.Contains("uses 90 % of its maxmemory (900 MiB of 1000 MiB), above the warning ratio of 80 %", warning);
        Assert.Empty(ScaleDecider.Decide(Policy(), Seen(567, 57) with { Redis = new RedisMemory("cache:6379", 900, 0) }, [], Now).Warnings);
    }

    [Fact]
    public void AnUnchangedCountSaysSo()
    {
        var decision = ScaleDecider.Decide(Policy(), Seen(100, 10), [], Now);
        Assert.Equal("100 pending → 10 wanted, stays at 10", decision.Reason);
    }

    [Theory]
    [InlineData(0, 5, 1, 10)]
    [InlineData(2, 0, 1, 10)]
    [InlineData(2, 5, 5, 4)]
    [InlineData(2, 5, -1, 4)]
    public void NonsensicalPoliciesAreRefused(double wait, double rate, int minimum, int maximum)
    {
        var policy = new ScalePolicy { TargetWaitMinutes = wait, JobsPerWorkerPerMinute = rate, Minimum = minimum, Maximum = maximum };
        var failure = Assert.Throws<OpsException>(() => policy.Validate());
        Assert.Equal(OpsRunbooks.Scaling.ScalingErrorIds.ScalePolicyInvalid, failure.ErrorId);
    }
}
