using System.Collections;
using OpsRunbooks.Environments;
using OpsRunbooks.Health;
using Xunit;

namespace OpsRunbooks.Core.Tests.Health;

public sealed class HealthEnvironmentSectionTests
{
    private const string Source = "/etc/opsrunbooks/environments/production.psd1";

    private static OpsEnvironment Read(Hashtable health) => EnvironmentDefinitionReader.Read(new Hashtable
    {
        ["DatabaseServers"] = new Hashtable { ["primary"] = new Hashtable { ["Host"] = "db1", ["User"] = "monitor", ["Password"] = "env:PGPASSWORD" } },
        ["Health"] = health,
    }, Source, "production");

    [Fact]
    public void EachKindOfEntryBecomesADefinitionWithItsThresholdsAndTheDefaultsForTheRest()
    {
        var settings = Read(new Hashtable
        {
            ["ThrottleLimit"] = 4,
            ["Http"] = new object[] { new Hashtable { ["Uri"] = "https://api.example.com/health", ["JsonProperty"] = "status", ["MaximumLatency"] = "00:00:01" } },
            ["Tls"] = new Hashtable { ["HostName"] = "api.example.com", ["WarningDays"] = 14 },
            ["Postgres"] = new object[] { new Hashtable { ["Server"] = "primary", ["DegradedConnectionPercent"] = 70, ["UnhealthyQueryDuration"] = "00:20:00", ["MinimumStandbys"] = 1 } },
            ["Disk"] = new object[] { new Hashtable { ["Path"] = "/", ["UnhealthyFreePercent"] = "5.5" } },
        }).GetSection<HealthSettings>()!;

        Assert.Equal(4, settings.ThrottleLimit);
        Assert.Equal(["Http https://api.example.com/health", "Tls api.example.com:443", "Postgres primary", "Disk /"], settings.Checks.Select(c => c.ToString()));
        var http = Assert.IsType<HttpEndpointOptions>(settings.Checks[0]);
        Assert.Equal((200, "status", "healthy", TimeSpan.FromSeconds(1)), (http.ExpectedStatus, http.JsonProperty, http.ExpectedValue, http.MaximumLatency));
        var tls = Assert.IsType<TlsCertificateOptions>(settings.Checks[1]);
        Assert.Equal((14, 7), (tls.WarningDays, tls.CriticalDays));
        var postgres = Assert.IsType<PostgresHealthDefinition>(settings.Checks[2]);
        Assert.Equal((70d, 90d, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(20)), (postgres.Thresholds.DegradedConnectionPercent,
            postgres.Thresholds.UnhealthyConnectionPercent, postgres.Thresholds.DegradedQueryDuration, postgres.Thresholds.UnhealthyQueryDuration));
        Assert.Equal((1, 10_000), (postgres.Thresholds.MinimumStandbys, postgres.Thresholds.MinimumCacheSample));
        var disk = Assert.IsType<DiskSpaceOptions>(settings.Checks[3]);
        Assert.Equal((20d, 5.5), (disk.DegradedFreePercent, disk.UnhealthyFreePercent));
    }

    [Fact]
    public void AMisspelledKeyOrAContradictionIsAnErrorNamingTheEntry()
    {
        var unknown = Assert.Throws<OpsException>(() => Read(new Hashtable { ["Http"] = new Hashtable { ["Uri"] = "https://a/health", ["MaximumLatncy"] = "00:00:01" } }));
        Assert.Equal("EnvironmentKeyUnknown", unknown.ErrorId);
        Assert.Contains("Health.Http[0].MaximumLatncy is not a known key; did you mean MaximumLatency?", unknown.Message);

        var inverted = Assert.Throws<OpsException>(() => Read(new Hashtable
        {
            ["Postgres"] = new Hashtable { ["Server"] = "primary", ["DegradedConnectionPercent"] = 95 },
        }));
        Assert.Equal("EnvironmentFileInvalid", inverted.ErrorId);
        Assert.Contains("Health.Postgres[0]", inverted.Message);
        Assert.Contains("DegradedConnectionPercent (95) must not be over UnhealthyConnectionPercent (90)", inverted.Message);

        var fraction = Assert.Throws<OpsException>(() => Read(new Hashtable { ["Postgres"] = new Hashtable { ["Server"] = "primary", ["MinimumCacheSample"] = "1e4" } }));
        Assert.Contains("Health.Postgres[0].MinimumCacheSample '1e4' is not a whole number from 0 to 2147483647", fraction.Message);

        var notAUri = Assert.Throws<OpsException>(() => Read(new Hashtable { ["Http"] = new Hashtable { ["Uri"] = "api.example.com/health" } }));
        Assert.Contains("Health.Http[0].Uri 'api.example.com/health' is not an http:// or https:// address", notAUri.Message);
    }

    [Fact]
    public void APostgresEntryNamingAnUnknownServerFailsWhenItsCheckIsMade()
    {
        var environment = Read(new Hashtable { ["Postgres"] = new Hashtable { ["Server"] = "replica" } });
        var definition = Assert.Single(environment.GetSection<HealthSettings>()!.Checks);
        var error = Assert.Throws<OpsException>(() => definition.Create(environment));
        Assert.Equal(HealthErrorIds.HealthServerNotInEnvironment, error.ErrorId);
        Assert.Contains("no DatabaseServers entry 'replica'; it has: primary", error.Message);
    }

    [Theory]
    [InlineData("4096 256 46 100 85\n", 4096L * 256, 4096L * 46, 17.96875, 85d)]
    [InlineData("4096 1000 1000 0 0", 4096L * 1000, 4096L * 1000, 100d, null)]
    public void StatOutputIsReadIntoSpaceAndInodes(string output, long total, long available, double freePercent, double? freeInodePercent)
    {
        var usage = FileSystemUsage.Parse(output)!;
        Assert.Equal((total, available, freePercent, freeInodePercent), (usage.TotalBytes, usage.AvailableBytes, usage.FreePercent, usage.FreeInodePercent));
    }

    [Theory]
    [InlineData("")]
    [InlineData("stat: cannot read file system information")]
    [InlineData("4096 256 46 100")]
    public void OutputThatIsNotFiveNumbersIsNotRead(string output) => Assert.Null(FileSystemUsage.Parse(output));

    [Fact]
    public void TheWorstFindingDecidesAndEveryFindingIsInTheReason()
    {
        var findings = new HealthFindings { Summary = "all fine" };
        Assert.Equal("all fine", findings.ToResult("Disk", "/", TimeSpan.Zero, DateTime.UtcNow).Reason);
        findings.Degraded("first");
        findings.Add(HealthFindings.GradeFalling(5, 20, 10), "second");
        findings.Add(HealthFindings.GradeRising(50, 80, 90), "not a finding");
        var result = findings.ToResult("Disk", "/", TimeSpan.Zero, DateTime.UtcNow);
        Assert.Equal((HealthStatus.Unhealthy, "first; second"), (result.Status, result.Reason));
    }

    [Fact]
    public void ANoteEndsTheReasonWhateverTheStatusAndChangesNone()
    {
        var findings = new HealthFindings { Summary = "all fine" };
        findings.Note("a ratio not judged yet");
        var healthy = findings.ToResult("Postgres", "db1:5432", TimeSpan.Zero, DateTime.UtcNow);
        Assert.Equal((HealthStatus.Healthy, "all fine; a ratio not judged yet"), (healthy.Status, healthy.Reason));
        findings.Degraded("first");
        var degraded = findings.ToResult("Postgres", "db1:5432", TimeSpan.Zero, DateTime.UtcNow);
        Assert.Equal((HealthStatus.Degraded, "first; a ratio not judged yet"), (degraded.Status, degraded.Reason));
    }
}
