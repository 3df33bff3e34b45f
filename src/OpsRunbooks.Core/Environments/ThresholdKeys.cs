namespace OpsRunbooks.Environments;

/// <summary>
/// The Thresholds keys of an environment file (the backup area's), and the kind of value each holds.
/// They are checked when the file is read, so a bad value or an unknown key fails there, naming the file and the key.
/// </summary>
public static class ThresholdKeys
{
    /// <summary>A timespan: the newest backup of a database must be younger than this.</summary>
    public const string BackupMaximumAge = "BackupMaximumAge";

    /// <summary>Percentages: how far the newest backup's size may move from the median of the previous ones.</summary>
    public const string SizeWarningPercent = "SizeWarningPercent";
    public const string SizeCriticalGrowthPercent = "SizeCriticalGrowthPercent";
    public const string SizeCriticalDropPercent = "SizeCriticalDropPercent";

    /// <summary>A count: how many previous backups the size median is taken over.</summary>
    public const string SizeBaselineCount = "SizeBaselineCount";

    /// <summary>Counts: the retention policy.</summary>
    public const string RetentionDaily = "RetentionDaily";
    public const string RetentionWeekly = "RetentionWeekly";
    public const string RetentionMonthly = "RetentionMonthly";
    public const string RetentionKeepMinimum = "RetentionKeepMinimum";

    internal static readonly IReadOnlyList<string> TimeSpans = [BackupMaximumAge];
    internal static readonly IReadOnlyList<string> Percentages = [SizeWarningPercent, SizeCriticalGrowthPercent, SizeCriticalDropPercent];
    internal static readonly IReadOnlyList<string> Counts = [SizeBaselineCount, RetentionDaily, RetentionWeekly, RetentionMonthly, RetentionKeepMinimum];

    /// <summary>Every key the Thresholds table accepts; any other is an EnvironmentKeyUnknown error.</summary>
    public static readonly IReadOnlyList<string> All = [.. TimeSpans, .. Percentages, .. Counts];
}
