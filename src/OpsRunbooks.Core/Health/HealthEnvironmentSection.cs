using OpsRunbooks.Environments;

namespace OpsRunbooks.Health;

/// <summary>
/// The Health section of an environment file: the checks Invoke-HealthCheck runs, one list per kind
/// (<see cref="HealthCheckKinds"/>), and how many run at once.
/// </summary>
public sealed class HealthEnvironmentSection : IEnvironmentSection
{
    public const string ThrottleLimitKey = "ThrottleLimit";

    public string Key => "Health";

    public IReadOnlyCollection<string> Keys { get; } = [ThrottleLimitKey, .. HealthCheckKinds.All.Select(k => k.Key)];

    public object Read(SettingsTable section) => new HealthSettings(
        HealthCheckKinds.All.SelectMany(kind => section.ListOfTables(kind.Key, kind.Keys).Select(kind.Read)).ToArray(),
        section.WholeNumber(ThrottleLimitKey, 1, 256));
}

/// <summary>The checks an environment declares, in the order of the kinds and then of the file, and its throttle limit if set.</summary>
public sealed record HealthSettings(IReadOnlyList<IHealthCheckDefinition> Checks, int? ThrottleLimit)
{
    public override string ToString() =>
        $"{Checks.Count} checks: " + string.Join(", ", Checks.Select(c => c.ToString()))
        + (ThrottleLimit is { } limit ? $"; ThrottleLimit {limit}" : "");
}
