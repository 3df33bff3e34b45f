namespace OpsRunbooks.Scaling.Queues;

/// <summary>How a job framework keeps its queues in Redis.</summary>
public enum QueueLayout
{
    /// <summary>
    /// Laravel's Redis queue, as Horizon runs it: list <c>queues:&lt;name&gt;</c> (RPUSH, LPOP: oldest first),
    /// zsets <c>queues:&lt;name&gt;:delayed</c> and <c>queues:&lt;name&gt;:reserved</c>; the payload's
    /// <c>pushedAt</c> (Horizon) or <c>createdAt</c> (Laravel 11+) is the enqueue time. Keys carry the
    /// connection's prefix, <c>&lt;app&gt;_database_</c> by default.
    /// </summary>
    Horizon,

    /// <summary>
    /// Celery on kombu's Redis transport: list <c>&lt;name&gt;</c> (LPUSH, BRPOP: oldest last) and, for
    /// messages sent with a priority, lists <c>&lt;name&gt;\x06\x16&lt;3|6|9&gt;</c>; no delayed or reserved
    /// set of its own. An enqueue time only when publishers add an <c>enqueued_at</c> message header.
    /// </summary>
    Celery,

    /// <summary>
    /// Sidekiq: list <c>queue:&lt;name&gt;</c> (LPUSH, BRPOP: oldest last) with the job's <c>enqueued_at</c>;
    /// zsets <c>schedule</c> and <c>retry</c> are shared by every queue of the server.
    /// </summary>
    Sidekiq,

    /// <summary>
    /// BullMQ: lists <c>bull:&lt;name&gt;:wait</c> and <c>:paused</c> and zset <c>:prioritized</c> (pending),
    /// zset <c>:delayed</c>, list <c>:active</c> (reserved); the job hash's <c>timestamp</c> is the enqueue time.
    /// </summary>
    BullMQ,

    /// <summary>A plain Redis list per queue, <c>&lt;name&gt;</c>: its length only.</summary>
    List,
}
