using System.Globalization;
using System.Net;
using OpsRunbooks.Redis;
using OpsRunbooks.Scaling.Queues;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

/// <summary>Each framework's real key layout, written with redis-cli as the framework writes it, read back by the module.</summary>
[Collection(RedisCollection.Name)]
public sealed class QueueDepthReaderTests(RedisFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private RedisService Redis => fixture.Redis;

    private static string Epoch(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() / 1000d).ToString("0.000", CultureInfo.InvariantCulture);

    private async Task<IReadOnlyList<QueueDepth>> ReadAsync(int database, QueueLayout layout, string? prefix, params string[] queues)
    {
        var endpoint = RedisEndpoint.Parse(Redis.Endpoint, database, new NetworkCredential("", Redis.Password));
        await using var connection = await RedisConnection.ConnectAsync(endpoint, TimeSpan.FromSeconds(5), CancellationToken.None);
        var clock = new FixedClock(Now);
        return await QueueDepthReader.ReadAsync(connection, new QueueDepthRequest(queues, layout) { KeyPrefix = prefix, Clock = clock }, CancellationToken.None);
    }

    [Fact]
    public async Task HorizonPendingDelayedReservedAndTheOldestPushedAt()
    {
        await Redis.PipeAsync([
            ["FLUSHDB"],
            // Laravel pushes with RPUSH and pops with LPOP: the first element is the oldest job.
            ["RPUSH", "shop_database_queues:default", $"{{\"uuid\":\"1\",\"pushedAt\":\"{Epoch(Now.AddMinutes(-6))}\"}}"],
            ["RPUSH", "shop_database_queues:default", $"{{\"uuid\":\"2\",\"pushedAt\":\"{Epoch(Now.AddMinutes(-1))}\"}}"],
            ["RPUSH", "shop_database_queues:default", "{\"uuid\":\"3\"}"],
            ["ZADD", "shop_database_queues:default:delayed", "1900000000", "{\"uuid\":\"4\"}"],
            ["ZADD", "shop_database_queues:default:reserved", "1900000000", "{\"uuid\":\"5\"}"],
            ["ZADD", "shop_database_queues:default:reserved", "1900000001", "{\"uuid\":\"6\"}"],
        ], database: 1);

        var depths = await ReadAsync(1, QueueLayout.Horizon, "shop_database_", "default", "mail");

        var queue = depths[0];
        Assert.Equal(("default", 3L, 1L, 2L), (queue.Queue, queue.Pending, queue.Delayed, queue.Reserved));
        Assert.Equal(TimeSpan.FromMinutes(6), queue.OldestPendingAge);
        Assert.Equal(Now.AddMinutes(-6), queue.OldestPendingEnqueuedAt);
        Assert.Null(queue.Known);
        Assert.Equal(Now, queue.MeasuredAt);
        Assert.Equal($"{Redis.Endpoint}/1", queue.Redis);
        Assert.True(queue.RedisUsedMemory > 0);

        var empty = depths[1];
        Assert.Equal(("mail", 0L, 0L, 0L), (empty.Queue, empty.Pending, empty.Delayed, empty.Reserved));
        Assert.Null(empty.OldestPendingAge);
    }

    [Fact]
    public async Task SidekiqQueueWithTheSharedScheduleAndRetrySets()
    {
        await Redis.PipeAsync([
            ["FLUSHDB"],
            ["SADD", "queues", "default"],
            // Sidekiq pushes with LPUSH and fetches with BRPOP: the last element is the oldest job.
            ["LPUSH", "queue:default", $"{{\"jid\":\"a\",\"enqueued_at\":{Now.AddMinutes(-9).ToUnixTimeMilliseconds()}}}"],
            ["LPUSH", "queue:default", $"{{\"jid\":\"b\",\"enqueued_at\":{Epoch(Now.AddMinutes(-2))}}}"],
            ["ZADD", "schedule", "1900000000", "{\"jid\":\"c\"}"],
            ["ZADD", "retry", "1900000000", "{\"jid\":\"d\"}"],
            ["ZADD", "retry", "1900000001", "{\"jid\":\"e\"}"],
        ], database: 2);

        var depths = await ReadAsync(2, QueueLayout.Sidekiq, null, "default", "typo");

        Assert.Equal((2L, 1L, 2L, (long?)null), (depths[0].Pending, depths[0].Delayed, depths[0].Retrying, depths[0].Reserved));
        Assert.Equal(TimeSpan.FromMinutes(9), depths[0].OldestPendingAge);
        Assert.True(depths[0].Known);
        Assert.False(depths[1].Known);
    }

    [Fact]
    public async Task CeleryCountsEveryPriorityListAndKnowsItsBinding()
    {
        await Redis.PipeAsync([
            ["FLUSHDB"],
            ["SADD", "_kombu.binding.celery", "celery\u0006\u0016\u0006\u0016celery"],
            ["LPUSH", "celery", "{\"body\":\"e30=\",\"headers\":{\"task\":\"a\"}}"],
            ["LPUSH", "celery\u0006\u00166", "{\"body\":\"e30=\",\"headers\":{\"task\":\"b\"}}"],
            ["LPUSH", "celery\u0006\u00169", "{\"body\":\"e30=\",\"headers\":{\"task\":\"c\"}}"],
        ], database: 3);

        var depth = Assert.Single(await ReadAsync(3, QueueLayout.Celery, null, "celery"));

        Assert.Equal(3, depth.Pending);
        Assert.Null(depth.OldestPendingAge); // Celery's own headers carry no enqueue time
        Assert.True(depth.Known);
        Assert.Null(depth.Delayed);
    }

    [Fact]
    public async Task BullMqWaitPausedPrioritizedDelayedActiveAndTheJobsTimestamp()
    {
        var oldest = Now.AddMinutes(-4).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        await Redis.PipeAsync([
            ["FLUSHDB"],
            ["HSET", "bull:emails:meta", "opts.maxLenEvents", "10000"],
            // BullMQ pushes ids with LPUSH and moves them from the right end to active.
            ["LPUSH", "bull:emails:wait", "7"],
            ["LPUSH", "bull:emails:wait", "8"],
            ["HSET", "bull:emails:7", "name", "send", "timestamp", oldest],
            ["HSET", "bull:emails:8", "name", "send", "timestamp", Now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)],
            ["ZADD", "bull:emails:prioritized", "4294967296", "9"],
            ["ZADD", "bull:emails:delayed", "7000000000000", "10"],
            ["LPUSH", "bull:emails:active", "6"],
        ], database: 4);

        var depth = Assert.Single(await ReadAsync(4, QueueLayout.BullMQ, null, "emails"));

        Assert.Equal((3L, 1L, 1L), (depth.Pending, depth.Delayed, depth.Reserved));
        Assert.Equal(TimeSpan.FromMinutes(4), depth.OldestPendingAge);
        Assert.True(depth.Known);
    }

    [Fact]
    public async Task APlainListIsItsLength()
    {
        await Redis.PipeAsync([["FLUSHDB"], ["RPUSH", "jobs", "a", "b", "c", "d"]], database: 5);

        var depth = Assert.Single(await ReadAsync(5, QueueLayout.List, null, "jobs"));

        Assert.Equal(4, depth.Pending);
        Assert.Null(depth.OldestPendingAge);
        Assert.Null(depth.Delayed);
    }

    [Fact]
    public async Task AKeyOfAnotherTypeIsTheServersErrorNamingIt()
    {
        await Redis.PipeAsync([["FLUSHDB"], ["SET", "queues:default", "not a list"]], database: 6);

        var failure = await Assert.ThrowsAsync<OpsException>(() => ReadAsync(6, QueueLayout.Horizon, null, "default"));

        Assert.Equal(RedisErrorIds.RedisError, failure.ErrorId);
        Assert.Contains("WRONGTYPE", failure.Message);
    }
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
