using OpsRunbooks.Health;
using Xunit;

namespace OpsRunbooks.Core.Tests.Health;

public sealed class PostgresHealthCheckTests
{
    [Fact]
    public void StandbysSharingANameAndAddressAreToldApartByPidAndTheOthersKeepTheirName()
    {
        var standbys = PostgresHealthCheck.Distinct(
        [
            new("replica2 10.0.0.5", 4710, "streaming", 0, null),
            new("walreceiver 10.0.0.5", 4711, "streaming", 0, null),
            new("walreceiver 10.0.0.5", 4712, "catchup", 2048, null),
            new("walreceiver 10.0.0.6", 4713, "streaming", 0, null),
        ]);
        Assert.Equal(["replica2 10.0.0.5", "walreceiver 10.0.0.5 pid 4711", "walreceiver 10.0.0.5 pid 4712", "walreceiver 10.0.0.6"],
            standbys.Select(s => s.Name));
        Assert.Equal([0L, 0L, 2048L, 0L], standbys.Select(s => s.LagBytes));
    }
}
