namespace OpsRunbooks.Scaling.Recommendation;

/// <summary>How many workers a queue should have, and how fast that count may change.</summary>
public sealed record ScalePolicy
{
    /// <summary>How long a job should wait at most: the seed runbook's "Desired Wait Minutes".</summary>
    public required double TargetWaitMinutes { get; init; }

    /// <summary>How many jobs one worker finishes a minute.</summary>
    public required double JobsPerWorkerPerMinute { get; init; }

    public required int Minimum { get; init; }
    public required int Maximum { get; init; }

    /// <summary>The most workers one decision adds; null for no limit.</summary>
    public int? MaxStepUp { get; init; }

    /// <summary>The most workers one decision removes; null for no limit.</summary>
    public int? MaxStepDown { get; init; }

    /// <summary>A wanted count within this fraction of the current one changes nothing (the Kubernetes HPA's 0.1).</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>
    /// Scale down only when every recommendation of this window was below the current count, and then only to the
    /// highest of them (the HPA's downscale stabilisation, 5 minutes by default); zero decides on the moment alone.
    /// </summary>
    public TimeSpan ScaleDownStabilization { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The used-memory share of Redis's maxmemory above which a recommendation carries a warning.</summary>
    public double RedisMemoryWarningRatio { get; init; } = 0.8;

    /// <summary>Fails with InvalidArgument naming the first value that makes no sense.</summary>
    public ScalePolicy Validate()
    {
        static void Require(bool condition, string message)
        {
            if (!condition) throw new OpsException(ScalingErrorIds.ScalePolicyInvalid, FailureKind.InvalidArgument, message);
        }
        Require(TargetWaitMinutes > 0, $"-TargetWaitMinutes must be more than 0, not {TargetWaitMinutes}.");
        Require(JobsPerWorkerPerMinute > 0, $"-JobsPerWorkerPerMinute must be more than 0, not {JobsPerWorkerPerMinute}.");
        Require(Minimum >= 0, $"-Minimum must be 0 or more, not {Minimum}.");
        Require(Maximum >= Minimum, $"-Maximum ({Maximum}) must not be below -Minimum ({Minimum}).");
        Require(MaxStepUp is null or > 0, $"-MaxStepUp must be 1 or more, not {MaxStepUp}.");
        Require(MaxStepDown is null or > 0, $"-MaxStepDown must be 1 or more, not {MaxStepDown}.");
        Require(Tolerance is >= 0 and < 1, $"-Tolerance must be from 0 to less than 1, not {Tolerance}.");
        Require(ScaleDownStabilization >= TimeSpan.Zero, $"-ScaleDownStabilization must not be negative, not {ScaleDownStabilization}.");
        Require(RedisMemoryWarningRatio is > 0 and <= 1, $"-RedisMemoryWarningRatio must be more than 0 and at most 1, not {RedisMemoryWarningRatio}.");
        return this;
    }
}
