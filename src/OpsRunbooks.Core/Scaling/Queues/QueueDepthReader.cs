using OpsRunbooks.Redis;
using StackExchange.Redis;

namespace OpsRunbooks.Scaling.Queues;

/// <summary>Reads the depth of queues from Redis: every queue's counts and oldest job in one pipelined round trip.</summary>
public static class QueueDepthReader
{
    // BullMQ keeps job ids in its lists and the enqueue time in each job's hash: reading it in a script keeps the
    // round trip to one. Entries starting with "0:" are the delay markers BullMQ 4-5 put in the wait list.
    private const string BullOldestTimestampScript = """
        for _, key in ipairs(KEYS) do
          local id = redis.call('LINDEX', key, -1)
          if id and string.sub(id, 1, 2) == '0:' then id = redis.call('LINDEX', key, -2) end
          if id then return redis.call('HGET', ARGV[1] .. id, 'timestamp') end
        end
        return false
        """;

    /// <summary>Connects to <paramref name="endpoint"/> (connect and command timeout <paramref name="timeout"/>), reads the queues, disconnects.</summary>
    public static async Task<IReadOnlyList<QueueDepth>> ReadAsync(RedisEndpoint endpoint, TimeSpan timeout, QueueDepthRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await RedisConnection.ConnectAsync(endpoint, timeout, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, request, cancellationToken).ConfigureAwait(false);
    }

    public static Task<IReadOnlyList<QueueDepth>> ReadAsync(RedisConnection connection, QueueDepthRequest request, CancellationToken cancellationToken) =>
        connection.RunAsync<IReadOnlyList<QueueDepth>>(async database =>
        {
            var batch = database.CreateBatch();
            var probes = request.Queues.Select(queue => new Probe(batch, queue, request.Layout, QueueKeys.For(request.Layout, queue, request.KeyPrefix))).ToArray();
            // The server's memory rides along, for the scale recommendation's guardrail.
            var memory = batch.ExecuteAsync("INFO", "memory");
            batch.Execute();
            await Task.WhenAll(probes.SelectMany(probe => probe.Replies).Append(memory)).ConfigureAwait(false);
            var measuredAt = request.Clock.GetUtcNow();
            var info = ParseInfo(memory.Result.ToString());
            var server = new ServerMemory(RedisConnection.InfoNumber(info, "used_memory"), RedisConnection.InfoNumber(info, "maxmemory"));
            return probes.Select(probe => probe.Depth(connection.Endpoint.ToString(), request.Environment, measuredAt, server)).ToArray();
        }, cancellationToken);

    private static Dictionary<string, string> ParseInfo(string text) => text.Split('\n')
        .Select(line => line.TrimEnd('\r').Split(':', 2)).Where(parts => parts.Length == 2 && !parts[0].StartsWith('#'))
        .GroupBy(parts => parts[0]).ToDictionary(group => group.Key, group => group.Last()[1], StringComparer.Ordinal);

    private sealed record ServerMemory(long? Used, long? Max);

    /// <summary>The commands of one queue, queued in the batch, and what their replies mean.</summary>
    private sealed class Probe
    {
        private readonly string _queue;
        private readonly QueueLayout _layout;
        private readonly Task<long>[] _pendingLengths;
        private readonly Task<long>? _pendingSortedSetLength;
        private readonly Task<RedisValue>[] _nextJobs;
        private readonly Task<RedisResult>? _bullOldestTimestamp;
        private readonly Task<long>? _delayed;
        private readonly Task<long>? _reserved;
        private readonly Task<long>? _retrying;
        private readonly Task<bool>? _known;

        public Probe(IBatch batch, string queue, QueueLayout layout, QueueKeys keys)
        {
            _queue = queue;
            _layout = layout;
            _pendingLengths = keys.PendingLists.Select(list => batch.ListLengthAsync(list)).ToArray();
            _pendingSortedSetLength = keys.PendingSortedSet is { } pendingSet ? batch.SortedSetLengthAsync(pendingSet) : null;
            if (keys.JobHashPrefix is { } jobHashPrefix)
            {
                _nextJobs = [];
                _bullOldestTimestamp = batch.ScriptEvaluateAsync(BullOldestTimestampScript,
                    keys.PendingLists.Select(list => (RedisKey)list).ToArray(), [jobHashPrefix]);
            }
            else
            {
                _nextJobs = layout == QueueLayout.List ? [] : keys.PendingLists.Select(list => batch.ListGetByIndexAsync(list, keys.NextJobIndex)).ToArray();
            }
            _delayed = keys.DelayedSortedSet is { } delayed ? batch.SortedSetLengthAsync(delayed) : null;
            _reserved = keys.ReservedSortedSet is { } reservedSet ? batch.SortedSetLengthAsync(reservedSet)
                : keys.ReservedList is { } reservedList ? batch.ListLengthAsync(reservedList) : null;
            _retrying = keys.RetrySortedSet is { } retry ? batch.SortedSetLengthAsync(retry) : null;
            _known = keys.RegistryKey is not { } registry ? null
                : keys.RegistryMember is { } member ? batch.SetContainsAsync(registry, member) : batch.KeyExistsAsync(registry);
        }

        public IEnumerable<Task> Replies => new Task?[] { _pendingSortedSetLength, _bullOldestTimestamp, _delayed, _reserved, _retrying, _known }
            .Concat(_pendingLengths).Concat(_nextJobs).OfType<Task>();

        public QueueDepth Depth(string redis, string? environment, DateTimeOffset measuredAt, ServerMemory memory)
        {
            var enqueuedAt = _bullOldestTimestamp is { } script
                ? EnqueueTime.FromText(script.Result.IsNull ? null : script.Result.ToString())
                : _nextJobs.Select(job => EnqueueTime.FromPayload(_layout, job.Result.IsNull ? null : job.Result.ToString())).Min();
            return new QueueDepth
            {
                Queue = _queue,
                Layout = _layout,
                Pending = _pendingLengths.Sum(length => length.Result) + (_pendingSortedSetLength?.Result ?? 0),
                Delayed = _delayed?.Result,
                Reserved = _reserved?.Result,
                Retrying = _retrying?.Result,
                OldestPendingEnqueuedAt = enqueuedAt,
                OldestPendingAge = enqueuedAt is { } at ? (measuredAt > at ? measuredAt - at : TimeSpan.Zero) : null,
                Known = _known?.Result,
                Redis = redis,
                RedisUsedMemory = memory.Used,
                RedisMaxMemory = memory.Max,
                Environment = environment,
                MeasuredAt = measuredAt,
            };
        }
    }
}

/// <summary>Which queues to read, how they are laid out, and for which environment.</summary>
public sealed record QueueDepthRequest(IReadOnlyList<string> Queues, QueueLayout Layout)
{
    /// <summary>The prefix of every key; null for the layout's own (<see cref="QueueKeys.DefaultPrefix"/>).</summary>
    public string? KeyPrefix { get; init; }

    public string? Environment { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
