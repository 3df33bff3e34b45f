using OpsRunbooks.Environments;

namespace OpsRunbooks.Backup;

/// <summary>
/// What a fresh backup is: the newest one of a database finished less than <see cref="MaximumAge"/> ago,
/// and its size is near the median of the previous <see cref="SizeBaselineCount"/> ones. Within
/// ±<see cref="SizeWarningPercent"/> is healthy; beyond it a warning; a drop of more than
/// <see cref="SizeCriticalDropPercent"/>, growth of more than <see cref="SizeCriticalGrowthPercent"/> or
/// an empty backup is critical.
/// </summary>
public sealed record FreshnessPolicy
{
    public static readonly TimeSpan DefaultMaximumAge = TimeSpan.FromDays(1);
    public const double DefaultSizeWarningPercent = 20;
    public const double DefaultSizeCriticalGrowthPercent = 100;
    public const double DefaultSizeCriticalDropPercent = 50;
    public const int DefaultSizeBaselineCount = 7;

    public FreshnessPolicy(TimeSpan? maximumAge = null, double sizeWarningPercent = DefaultSizeWarningPercent,
        double sizeCriticalGrowthPercent = DefaultSizeCriticalGrowthPercent, double sizeCriticalDropPercent = DefaultSizeCriticalDropPercent,
        int sizeBaselineCount = DefaultSizeBaselineCount)
    {
        MaximumAge = maximumAge ?? DefaultMaximumAge;
        SizeWarningPercent = sizeWarningPercent;
        SizeCriticalGrowthPercent = sizeCriticalGrowthPercent;
        SizeCriticalDropPercent = sizeCriticalDropPercent;
        SizeBaselineCount = sizeBaselineCount;

        if (MaximumAge <= TimeSpan.Zero) throw Invalid($"MaximumAge must be longer than zero, not {MaximumAge}.");
        if (SizeBaselineCount < 1) throw Invalid($"SizeBaselineCount must be 1 or more, not {SizeBaselineCount}.");
        if (!(SizeWarningPercent >= 0)) throw Invalid($"SizeWarningPercent must be 0 or more, not {SizeWarningPercent}.");
        if (!(SizeCriticalGrowthPercent >= SizeWarningPercent))
            throw Invalid($"SizeCriticalGrowthPercent ({SizeCriticalGrowthPercent}) must be at least SizeWarningPercent ({SizeWarningPercent}).");
        if (!(SizeCriticalDropPercent >= SizeWarningPercent && SizeCriticalDropPercent <= 100))
            throw Invalid($"SizeCriticalDropPercent ({SizeCriticalDropPercent}) must be between SizeWarningPercent ({SizeWarningPercent}) and 100.");
    }

    public TimeSpan MaximumAge { get; }
    public double SizeWarningPercent { get; }
    public double SizeCriticalGrowthPercent { get; }
    public double SizeCriticalDropPercent { get; }
    public int SizeBaselineCount { get; }

    /// <summary>
    /// The policy from values given explicitly, else from an environment file's Thresholds (BackupMaximumAge,
    /// SizeWarningPercent, SizeCriticalGrowthPercent, SizeCriticalDropPercent, SizeBaselineCount), else the defaults.
    /// </summary>
    public static FreshnessPolicy For(OpsEnvironment? environment, TimeSpan? maximumAge = null, double? sizeWarningPercent = null,
        double? sizeCriticalGrowthPercent = null, double? sizeCriticalDropPercent = null, int? sizeBaselineCount = null) => new(
        maximumAge ?? environment?.GetTimeSpanThreshold(ThresholdKeys.BackupMaximumAge),
        sizeWarningPercent ?? environment?.GetPercentThreshold(ThresholdKeys.SizeWarningPercent) ?? DefaultSizeWarningPercent,
        sizeCriticalGrowthPercent ?? environment?.GetPercentThreshold(ThresholdKeys.SizeCriticalGrowthPercent) ?? DefaultSizeCriticalGrowthPercent,
        sizeCriticalDropPercent ?? environment?.GetPercentThreshold(ThresholdKeys.SizeCriticalDropPercent) ?? DefaultSizeCriticalDropPercent,
        sizeBaselineCount ?? environment?.GetCountThreshold(ThresholdKeys.SizeBaselineCount) ?? DefaultSizeBaselineCount);

    private static OpsException Invalid(string message) => new(BackupErrorIds.FreshnessPolicyInvalid, FailureKind.InvalidArgument, message);
}
