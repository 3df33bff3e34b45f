using OpsRunbooks.Backup;
using OpsRunbooks.Storage;
using Xunit;

namespace OpsRunbooks.Core.Tests.Backup;

public sealed class BackupNamingTests
{
    [Theory]
    [InlineData("shop", "shop")]
    [InlineData("app_v2-eu.1", "app_v2-eu.1")]
    [InlineData("sub/../shop", "sub%2F..%2Fshop")]
    [InlineData("..", "%2E.")]
    [InlineData(".", "%2E")]
    [InlineData("../etc", "%2E.%2Fetc")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("50%", "50%25")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("with space", "with%20space")]
    public void ADatabaseNameBecomesOneSafeReversibleSegment(string database, string segment)
    {
        Assert.Equal(segment, BackupNaming.SegmentOf(database));
        Assert.Equal(database, BackupNaming.DatabaseOf(segment));
        Assert.DoesNotContain('/', segment);
        Assert.DoesNotContain('\\', segment);
        Assert.NotEqual(".", segment);
        Assert.NotEqual("..", segment);
    }

    [Fact]
    public void NoTwoNamesShareASegment()
    {
        string[] names = ["a", "a/b", "a%2Fb", "A", ".a", "%2Ea", "..", "%2E.", "ä", "%C3%A4", "a b", "a%20b"];
        Assert.Equal(names.Length, names.Select(BackupNaming.SegmentOf).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void AnEmptyNameIsRefused()
    {
        Assert.Equal(StorageErrorIds.DatabaseNameInvalid, Assert.Throws<OpsException>(() => BackupNaming.SegmentOf("")).ErrorId);
    }

    [Fact]
    public void TwoBackupsStartedInTheSameMillisecondGetDifferentIds()
    {
        var started = new DateTime(2026, 3, 1, 2, 0, 0, 123, DateTimeKind.Utc);
        var ids = Enumerable.Range(0, 1000).Select(_ => BackupNaming.NewId("shop", started)).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.StartsWith("shop_20260301T020000123Z_", id, StringComparison.Ordinal));
    }

    [Fact]
    public void ArtifactAndManifestStayInTheDatabasesOwnFolder()
    {
        var id = BackupNaming.NewId("../etc", DateTime.UtcNow);
        var artifact = BackupNaming.ArtifactName("../etc", id);
        Assert.StartsWith("%2E.%2Fetc/", artifact, StringComparison.Ordinal);
        Assert.Single(artifact, '/');
        Assert.True(BackupNaming.IsInFolderOf(artifact, "../etc", BackupNaming.ArtifactSuffix));
        Assert.False(BackupNaming.IsInFolderOf(artifact, "..", BackupNaming.ArtifactSuffix));
    }
}
