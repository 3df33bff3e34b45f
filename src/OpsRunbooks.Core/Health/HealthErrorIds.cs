namespace OpsRunbooks.Health;

/// <summary>
/// The error ids of the health checks. A target that fails its check is not an error: it is an Unhealthy result with
/// the reason. These are for what keeps a check from being made at all.
/// </summary>
public static class HealthErrorIds
{
    /// <summary>The environment file has no Health section, or it declares no check.</summary>
    public const string HealthSectionMissing = "HealthSectionMissing";

    /// <summary>A Postgres check names a server the environment's DatabaseServers does not define.</summary>
    public const string HealthServerNotInEnvironment = "HealthServerNotInEnvironment";

    /// <summary>A threshold or parameter is out of range, or two thresholds contradict each other.</summary>
    public const string HealthThresholdInvalid = "HealthThresholdInvalid";
}
