namespace OpsRunbooks.Scaling;

/// <summary>The error ids of the scaling area: one place, spelled once, so scripts can rely on them.</summary>
public static class ScalingErrorIds
{
    // Scale targets and their definitions.
    public const string ScaleTargetDriverUnknown = "ScaleTargetDriverUnknown";
    public const string ScaleTargetNotFound = "ScaleTargetNotFound";
    public const string ScalingSectionMissing = "ScalingSectionMissing";
    public const string ScaleTargetUnreachable = "ScaleTargetUnreachable";
    public const string ScaleTargetRefused = "ScaleTargetRefused";

    // Changing a target's count.
    public const string ScaleOutOfBounds = "ScaleOutOfBounds";
    public const string ScaleAboveCeiling = "ScaleAboveCeiling";
    public const string ScaleNotConverged = "ScaleNotConverged";
    public const string ScaleRolledBack = "ScaleRolledBack";
    public const string ScaleParameterInvalid = "ScaleParameterInvalid";

    // Queues and scale recommendations.
    public const string RedisServerMissing = "RedisServerMissing";
    public const string QueueNamesMissing = "QueueNamesMissing";
    public const string QueueDepthMissing = "QueueDepthMissing";
    public const string CurrentReplicasUnknown = "CurrentReplicasUnknown";
    public const string RecommendationStateInvalid = "RecommendationStateInvalid";
    public const string RecommendationStateBusy = "RecommendationStateBusy";
    public const string ScalePolicyInvalid = "ScalePolicyInvalid";
    public const string RecommendationStateUnwritable = "RecommendationStateUnwritable";

    // Docker drivers: Swarm, Compose and SshCommand targets.
    public const string SwarmServiceNotFound = "SwarmServiceNotFound";
    public const string SwarmServiceNotReplicated = "SwarmServiceNotReplicated";
    public const string ScaleCommandFailed = "ScaleCommandFailed";
    public const string ScaleCountUnreadable = "ScaleCountUnreadable";
}
