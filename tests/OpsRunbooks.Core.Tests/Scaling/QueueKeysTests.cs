using OpsRunbooks.Scaling.Queues;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

public sealed class QueueKeysTests
{
    [Fact]
    public void HorizonKeysCarryLaravelsPrefix()
    {
        var keys = QueueKeys.For(QueueLayout.Horizon, "default", "shop_database_");
        Assert.Equal(["shop_database_queues:default"], keys.PendingLists);
        Assert.Equal("shop_database_queues:default:delayed", keys.DelayedSortedSet);
        Assert.Equal("shop_database_queues:default:reserved", keys.ReservedSortedSet);
        Assert.Equal(0, keys.NextJobIndex);
    }

    [Fact]
    public void SidekiqSharesScheduleAndRetry()
    {
        var keys = QueueKeys.For(QueueLayout.Sidekiq, "mail", null);
        Assert.Equal(["queue:mail"], keys.PendingLists);
        Assert.Equal(("schedule", "retry", -1L), (keys.DelayedSortedSet, keys.RetrySortedSet, keys.NextJobIndex));
        Assert.Equal(("queues", "mail"), (keys.RegistryKey, keys.RegistryMember));
    }

    [Fact]
    public void CeleryCountsKombusPriorityLists()
    {
        var keys = QueueKeys.For(QueueLayout.Celery, "celery", null);
        // Kombu's separator is the two bytes 0x06 0x16 between the name and the priority.
        Assert.Equal(["celery", "celery\u0006\u00163", "celery\u0006\u00166", "celery\u0006\u00169"], keys.PendingLists);
        Assert.Null(keys.ReservedSortedSet);
    }

    [Fact]
    public void BullMqDefaultsToItsBullPrefix()
    {
        var keys = QueueKeys.For(QueueLayout.BullMQ, "emails", null);
        Assert.Equal(["bull:emails:wait", "bull:emails:paused"], keys.PendingLists);
        Assert.Equal("bull:emails:prioritized", keys.PendingSortedSet);
        Assert.Equal(("bull:emails:delayed", "bull:emails:active", "bull:emails:"), (keys.DelayedSortedSet, keys.ReservedList, keys.JobHashPrefix));
        Assert.Equal("app:emails:wait", QueueKeys.For(QueueLayout.BullMQ, "emails", "app:").PendingLists[0]);
    }
}
