namespace OpsRunbooks.Scaling.Queues;

/// <summary>The Redis keys of one queue in one layout, with the key prefix applied.</summary>
public sealed record QueueKeys
{
    /// <summary>Kombu's separator between a queue's name and its priority (PRIORITY_STEPS 0, 3, 6, 9).</summary>
    public const string CeleryPrioritySeparator = "\x06\x16";

    /// <summary>The lists of jobs ready to run, the one a worker takes from next first.</summary>
    public required IReadOnlyList<string> PendingLists { get; init; }

    /// <summary>A sorted set of ready jobs (BullMQ's prioritized), counted as pending.</summary>
    public string? PendingSortedSet { get; init; }

    /// <summary>Which end of a pending list the next job is taken from: 0 (left, LPOP) or -1 (right, BRPOP).</summary>
    public required long NextJobIndex { get; init; }

    public string? DelayedSortedSet { get; init; }
    public string? ReservedSortedSet { get; init; }
    public string? ReservedList { get; init; }
    public string? RetrySortedSet { get; init; }

    /// <summary>For BullMQ: the prefix of a job's hash, to which its id is appended.</summary>
    public string? JobHashPrefix { get; init; }

    /// <summary>A key (or, for Sidekiq, the set holding the queue's name) that exists while the framework knows the queue.</summary>
    public string? RegistryKey { get; init; }

    /// <summary>The member of <see cref="RegistryKey"/> to look for when it is a set (Sidekiq); null when the key's existence is enough.</summary>
    public string? RegistryMember { get; init; }

    /// <summary>The prefix a layout's keys have unless -KeyPrefix says otherwise.</summary>
    public static string DefaultPrefix(QueueLayout layout) => layout == QueueLayout.BullMQ ? "bull:" : "";

    public static QueueKeys For(QueueLayout layout, string queue, string? keyPrefix)
    {
        var p = keyPrefix ?? DefaultPrefix(layout);
        return layout switch
        {
            QueueLayout.Horizon => new QueueKeys
            {
                PendingLists = [$"{p}queues:{queue}"],
                NextJobIndex = 0,
                DelayedSortedSet = $"{p}queues:{queue}:delayed",
                ReservedSortedSet = $"{p}queues:{queue}:reserved",
            },
            QueueLayout.Sidekiq => new QueueKeys
            {
                PendingLists = [$"{p}queue:{queue}"],
                NextJobIndex = -1,
                DelayedSortedSet = $"{p}schedule",
                RetrySortedSet = $"{p}retry",
                RegistryKey = $"{p}queues",
                RegistryMember = queue,
            },
            QueueLayout.Celery => new QueueKeys
            {
                // Kombu serves priority 0 first, then 3, 6 and 9.
                PendingLists = [$"{p}{queue}", .. new[] { 3, 6, 9 }.Select(priority => $"{p}{queue}{CeleryPrioritySeparator}{priority}")],
                NextJobIndex = -1,
                RegistryKey = $"{p}_kombu.binding.{queue}",
            },
            QueueLayout.BullMQ => new QueueKeys
            {
                PendingLists = [$"{p}{queue}:wait", $"{p}{queue}:paused"],
                PendingSortedSet = $"{p}{queue}:prioritized",
                NextJobIndex = -1,
                DelayedSortedSet = $"{p}{queue}:delayed",
                ReservedList = $"{p}{queue}:active",
                JobHashPrefix = $"{p}{queue}:",
                RegistryKey = $"{p}{queue}:meta",
            },
            QueueLayout.List => new QueueKeys
            {
                PendingLists = [$"{p}{queue}"],
                NextJobIndex = -1,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
        };
    }
}
