using OpsRunbooks.Environments;

namespace OpsRunbooks.Backup;

/// <summary>
/// Grandfather-father-son retention: the newest backup of each of the <see cref="Daily"/> most recent
/// days, <see cref="Weekly"/> most recent ISO weeks and <see cref="Monthly"/> most recent months that
/// have backups, and never fewer than <see cref="KeepMinimum"/> backups of a database.
/// </summary>
public sealed record RetentionPolicy(int Daily, int Weekly, int Monthly, int KeepMinimum)
{
    public const int DefaultDaily = 7;
    public const int DefaultWeekly = 4;
    public const int DefaultMonthly = 12;
    public const int DefaultKeepMinimum = 3;

    public int Daily { get; } = NotNegative(Daily, nameof(Daily));
    public int Weekly { get; } = NotNegative(Weekly, nameof(Weekly));
    public int Monthly { get; } = NotNegative(Monthly, nameof(Monthly));
    public int KeepMinimum { get; } = NotNegative(KeepMinimum, nameof(KeepMinimum));

    /// <summary>
    /// The policy from values given explicitly, else from an environment file's Thresholds (RetentionDaily,
    /// RetentionWeekly, RetentionMonthly, RetentionKeepMinimum), else the defaults 7, 4, 12 and 3.
    /// </summary>
    public static RetentionPolicy For(OpsEnvironment? environment, int? daily = null, int? weekly = null, int? monthly = null,
        int? keepMinimum = null) => new(
        daily ?? environment?.GetCountThreshold(ThresholdKeys.RetentionDaily) ?? DefaultDaily,
        weekly ?? environment?.GetCountThreshold(ThresholdKeys.RetentionWeekly) ?? DefaultWeekly,
        monthly ?? environment?.GetCountThreshold(ThresholdKeys.RetentionMonthly) ?? DefaultMonthly,
        keepMinimum ?? environment?.GetCountThreshold(ThresholdKeys.RetentionKeepMinimum) ?? DefaultKeepMinimum);

    public override string ToString() => $"{Daily} daily, {Weekly} weekly, {Monthly} monthly, at least {KeepMinimum}";

    private static int NotNegative(int value, string name) => value >= 0
        ? value
        : throw new OpsException(BackupErrorIds.RetentionPolicyInvalid, FailureKind.InvalidArgument, $"{name} must be 0 or more, not {value}.", value);
}
