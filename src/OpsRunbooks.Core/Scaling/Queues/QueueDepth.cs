namespace OpsRunbooks.Scaling.Queues;

/// <summary>
/// One queue at one moment: the jobs ready to run, those waiting for their time or being worked on where the
/// layout keeps them, and how long the oldest ready job has waited where its payload says when it was queued.
/// </summary>
public sealed record QueueDepth
{
    public required string Queue { get; init; }
    public required QueueLayout Layout { get; init; }

    /// <summary>Jobs ready to be taken by a worker.</summary>
    public required long Pending { get; init; }

    /// <summary>Jobs scheduled for later (Horizon's delayed, Sidekiq's schedule, BullMQ's delayed); null where the layout has none.</summary>
    public long? Delayed { get; init; }

    /// <summary>Jobs a worker holds now (Horizon's reserved, BullMQ's active); null where the layout does not keep them.</summary>
    public long? Reserved { get; init; }

    /// <summary>Jobs waiting for a retry (Sidekiq's retry set); null where the layout has none.</summary>
    public long? Retrying { get; init; }

    /// <summary>How long the next job a worker will take has waited; null when the queue is empty or its payload carries no enqueue time.</summary>
    public TimeSpan? OldestPendingAge { get; init; }

    /// <summary>When that job was queued, by its payload.</summary>
    public DateTimeOffset? OldestPendingEnqueuedAt { get; init; }

    /// <summary>
    /// Whether Redis knows the queue (Sidekiq's queues set, BullMQ's meta hash, kombu's binding); null where the
    /// layout keeps no such trace, so an empty queue cannot be told from a misspelled one.
    /// </summary>
    public bool? Known { get; init; }

    /// <summary>The server the queue was read from, as host:port[/db].</summary>
    public required string Redis { get; init; }

    /// <summary>The server's used_memory in bytes when the queue was read.</summary>
    public long? RedisUsedMemory { get; init; }

    /// <summary>The server's maxmemory in bytes; 0 when it has no limit.</summary>
    public long? RedisMaxMemory { get; init; }

    /// <summary>The environment the server came from, for the next cmdlet of the pipeline; null when given by -Redis.</summary>
    public string? Environment { get; init; }

    public required DateTimeOffset MeasuredAt { get; init; }
}
