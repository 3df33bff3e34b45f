using System.Globalization;
using OpsRunbooks.Environments;

namespace OpsRunbooks.Recovery;

/// <summary>
/// The <c>Recovery = @{ ... }</c> section of an environment file: <c>Throwaway</c> (whether a disaster-recovery
/// drill may really lose and replace a database here) and the objectives a drill is measured against,
/// <c>RecoveryTimeObjective</c> and <c>RecoveryPointObjective</c> (time spans, as '01:00:00').
/// </summary>
public sealed class RecoveryEnvironmentSection : IEnvironmentSection
{
    public string Key => "Recovery";

    public IReadOnlyCollection<string> Keys { get; } = ["Throwaway", "RecoveryTimeObjective", "RecoveryPointObjective"];

    public object Read(SettingsTable section) => new RecoverySettings
    {
        Throwaway = section.Flag("Throwaway") ?? false,
        RecoveryTimeObjective = TimeSpanOf(section, "RecoveryTimeObjective"),
        RecoveryPointObjective = TimeSpanOf(section, "RecoveryPointObjective"),
    };

    private static TimeSpan? TimeSpanOf(SettingsTable section, string key) => section.Text(key) switch
    {
        null => null,
        var text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero => value,
        var text => throw section.Invalid(key, $"'{text}' is not a time span longer than 0, such as '01:00:00' or '1.00:00:00'"),
    };
}

/// <summary>An environment's Recovery section: what disaster-recovery drills may do there and must achieve.</summary>
public sealed record RecoverySettings
{
    /// <summary>The environment holds nothing that matters: a drill with -Destructive may replace its databases.</summary>
    public bool Throwaway { get; init; }

    /// <summary>How long a recovery may take at most (RTO); null when not set.</summary>
    public TimeSpan? RecoveryTimeObjective { get; init; }

    /// <summary>How much recent data a recovery may lose at most (RPO), as the age of the backup restored; null when not set.</summary>
    public TimeSpan? RecoveryPointObjective { get; init; }

    public override string ToString() =>
        string.Join("; ", new[]
        {
            Throwaway ? "throwaway" : "not throwaway",
            RecoveryTimeObjective is { } rto ? $"RTO {rto}" : null,
            RecoveryPointObjective is { } rpo ? $"RPO {rpo}" : null,
        }.Where(part => part is not null));
}
