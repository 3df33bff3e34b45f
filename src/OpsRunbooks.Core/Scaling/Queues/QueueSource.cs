using OpsRunbooks.Environments;
using OpsRunbooks.Redis;

namespace OpsRunbooks.Scaling.Queues;

/// <summary>Where an environment's queues are: its Scaling section's Redis server and queue settings.</summary>
public static class QueueSource
{
    /// <summary>The environment's Redis server, password resolved; fails naming the file when it names none.</summary>
    public static RedisEndpoint RedisOf(OpsEnvironment environment) =>
        (ScalingSettings.Of(environment).Redis ?? throw new OpsException(ScalingErrorIds.RedisServerMissing, FailureKind.InvalidArgument,
            $"The environment '{environment.Name}' ({environment.SourcePath}) names no Redis server; add Scaling = @{{ Redis = @{{ Server = 'host:port' }} }} or give -Redis.",
            environment)).ResolveEndpoint();

    /// <summary>
    /// What to read: the queues given, else the environment's Scaling.Queues.Names; the layout and key prefix given,
    /// else the environment's, else Horizon with the layout's own prefix.
    /// </summary>
    public static QueueDepthRequest Request(OpsEnvironment? environment, IReadOnlyList<string>? queues, QueueLayout? layout, string? keyPrefix)
    {
        var settings = environment is null ? null : ScalingSettings.Of(environment).Queues;
        var names = queues is { Count: > 0 } ? queues : settings?.Names is { Count: > 0 } configured ? configured
            : throw new OpsException(ScalingErrorIds.QueueNamesMissing, FailureKind.InvalidArgument,
                environment is null
                    ? "Name the queues to read with -Queue."
                    : $"The environment '{environment.Name}' ({environment.SourcePath}) names no queues in Scaling.Queues.Names; give -Queue.",
                environment?.Name);
        return new QueueDepthRequest(names.Distinct(StringComparer.Ordinal).ToArray(), layout ?? settings?.Layout ?? QueueLayout.Horizon)
        {
            KeyPrefix = keyPrefix ?? settings?.KeyPrefix,
            Environment = environment?.Name,
        };
    }
}
