namespace OpsRunbooks.Environments;

/// <summary>
/// The areas with a section of their own in environment files. An area adds its section here (see
/// <see cref="IEnvironmentSection"/>); its key then becomes a known top-level key of every file.
/// </summary>
public static class EnvironmentSections
{
    public static readonly IReadOnlyList<IEnvironmentSection> All =
    [
        new Scaling.ScalingEnvironmentSection(),
        new Health.HealthEnvironmentSection(),
        new Journal.JournalEnvironmentSection(),
        new Recovery.RecoveryEnvironmentSection(),
    ];
}
