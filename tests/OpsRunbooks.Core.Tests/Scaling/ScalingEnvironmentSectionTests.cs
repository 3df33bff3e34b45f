using System.Collections;
using OpsRunbooks.Environments;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets.Supervisor;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

public sealed class ScalingEnvironmentSectionTests
{
    private const string Source = "/etc/opsrunbooks/environments/staging.psd1";

    private static Hashtable File(Hashtable targets) => new()
    {
        ["DatabaseServers"] = new Hashtable(),
        ["Databases"] = Array.Empty<object>(),
        ["Scaling"] = new Hashtable { ["Targets"] = targets },
    };

    private static Hashtable Supervisor() => new()
    {
        ["Driver"] = "Supervisor", ["Url"] = "http://127.0.0.1:9001", ["Group"] = "worker", ["Minimum"] = 1, ["Maximum"] = 8,
    };

    [Fact]
    public void ReadsNamedTargetsWithTheirDriversSettings()
    {
        var environment = EnvironmentDefinitionReader.Read(File(new Hashtable { ["queue-workers"] = Supervisor() }), Source, "staging");

        var target = ScalingSettings.GetTarget(environment, "queue-workers");
        Assert.Equal(("queue-workers", "Supervisor", 1, 8), (target.Name, target.Driver, target.Minimum, target.Maximum));
        var settings = Assert.IsType<SupervisorTargetSettings>(target.Settings);
        Assert.Equal(("http://127.0.0.1:9001", "worker"), (settings.Url, settings.Group));
        Assert.Equal("group worker at http://127.0.0.1:9001", target.Location);
    }

    [Fact]
    public void AnUnknownTargetNameListsTheKnownOnes()
    {
        var environment = EnvironmentDefinitionReader.Read(File(new Hashtable { ["queue-workers"] = Supervisor() }), Source, "staging");

        var error = Assert.Throws<OpsException>(() => ScalingSettings.GetTarget(environment, "web"));
        Assert.Equal(ScalingErrorIds.ScaleTargetNotFound, error.ErrorId);
        Assert.Contains("queue-workers", error.Message);
    }

    [Fact]
    public void AFileWithoutAScalingSectionSaysSo()
    {
        var data = File(new Hashtable());
        data.Remove("Scaling");
        var environment = EnvironmentDefinitionReader.Read(data, Source, "staging");

        Assert.Equal(ScalingErrorIds.ScalingSectionMissing, Assert.Throws<OpsException>(() => ScalingSettings.Of(environment)).ErrorId);
    }

    [Fact]
    public void AnUnknownDriverNamesTheDriversThereAre()
    {
        var target = Supervisor();
        target["Driver"] = "Nomad";
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(File(new Hashtable { ["w"] = target }), Source, "staging"));

        Assert.Equal(ScalingErrorIds.ScaleTargetDriverUnknown, error.ErrorId);
        Assert.Contains("Scaling.Targets.w.Driver", error.Message);
        Assert.Contains("Supervisor", error.Message);
    }

    [Fact]
    public void AMisspelledKeyIsUnknownWithTheNearestKey()
    {
        var target = Supervisor();
        target.Remove("Group");
        target["Gruop"] = "worker";
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(File(new Hashtable { ["w"] = target }), Source, "staging"));

        Assert.Equal(EnvironmentErrorIds.EnvironmentKeyUnknown, error.ErrorId);
        Assert.Contains("Scaling.Targets.w.Gruop", error.Message);
        Assert.Contains("did you mean Group", error.Message);
    }

    [Theory]
    [InlineData("Maximum", null, "Maximum is missing")]
    [InlineData("Maximum", 0, "below Minimum 1")]
    [InlineData("Url", "ftp://host", "is not http://host:port")]
    [InlineData("Password", "hunter2", "must be a reference")]
    public void BadValuesNameTheirKey(string key, object? value, string expected)
    {
        var target = Supervisor();
        if (value is null) target.Remove(key);
        else target[key] = value;
        if (key == "Password") target["User"] = "ops";

        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(File(new Hashtable { ["w"] = target }), Source, "staging"));

        Assert.Equal(EnvironmentErrorIds.EnvironmentFileInvalid, error.ErrorId);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }
}
