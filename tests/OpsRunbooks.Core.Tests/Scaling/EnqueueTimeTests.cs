using OpsRunbooks.Scaling.Queues;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

public sealed class EnqueueTimeTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 6, 0, 0, 500, TimeSpan.Zero);
    private static readonly long Seconds = At.ToUnixTimeSeconds();

    [Theory]
    [InlineData(QueueLayout.Horizon, "{\"uuid\":\"a\",\"pushedAt\":\"{S}.5\"}")] // Horizon: microtime(true) as a string
    [InlineData(QueueLayout.Horizon, "{\"uuid\":\"a\",\"createdAt\":{S}.5}")] // Laravel 11+ without Horizon
    [InlineData(QueueLayout.Sidekiq, "{\"jid\":\"a\",\"enqueued_at\":{S}.5}")] // Sidekiq 7: float seconds
    [InlineData(QueueLayout.Sidekiq, "{\"jid\":\"a\",\"enqueued_at\":{S}500}")] // Sidekiq 8: integer milliseconds
    [InlineData(QueueLayout.Celery, "{\"body\":\"e30=\",\"headers\":{\"enqueued_at\":\"2026-12-02T06:00:00.5Z\"}}")]
    public void ReadsEachFrameworksEnqueueTime(QueueLayout layout, string payload) =>
        Assert.Equal(At, EnqueueTime.FromPayload(layout, payload.Replace("{S}", Seconds.ToString())));

    [Theory]
    [InlineData(QueueLayout.Horizon, "{\"uuid\":\"a\"}")]
    [InlineData(QueueLayout.Sidekiq, "not json")]
    [InlineData(QueueLayout.Sidekiq, "{\"enqueued_at\":")]
    [InlineData(QueueLayout.Celery, "{\"body\":\"e30=\",\"headers\":{\"eta\":null}}")]
    [InlineData(QueueLayout.List, "{\"pushedAt\":1}")]
    [InlineData(QueueLayout.Horizon, "{\"pushedAt\":true}")]
    public void APayloadWithoutOneHasNone(QueueLayout layout, string payload) =>
        Assert.Null(EnqueueTime.FromPayload(layout, payload));

    [Fact]
    public void BullMqsTimestampIsMilliseconds() =>
        Assert.Equal(At, EnqueueTime.FromText(At.ToUnixTimeMilliseconds().ToString()));
}
