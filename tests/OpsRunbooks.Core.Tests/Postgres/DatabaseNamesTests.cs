using System.Text;
using OpsRunbooks.Postgres;
using Xunit;

namespace OpsRunbooks.Core.Tests.Postgres;

/// <summary>Database names PostgreSQL would cut are refused, and the names the module makes always fit and are recognised again.</summary>
public sealed class DatabaseNamesTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 2, 30, 45, DateTimeKind.Utc);

    public static TheoryData<string> Sources() => new()
    {
        "shop",
        new string('a', 63),
        new string('é', 40),          // 2 bytes each
        string.Concat(Enumerable.Repeat("日本", 20)), // 3 bytes each
        string.Concat(Enumerable.Repeat("🐘", 20)),   // 4 bytes each, two UTF-16 chars
        "a\"b'c; DROP DATABASE x",
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void EveryGeneratedNameFits63BytesKeepsItsMarkerAndIsRecognised(string source)
    {
        foreach (var (name, kind) in new[]
                 {
                     (DatabaseNames.Scratch(source, Now), GeneratedDatabaseKind.Scratch),
                     (DatabaseNames.Restoring(source, Now), GeneratedDatabaseKind.Restoring),
                     (DatabaseNames.Replaced(source, Now), GeneratedDatabaseKind.Replaced),
                 })
        {
            Assert.True(Encoding.UTF8.GetByteCount(name) <= DatabaseNames.MaximumBytes, $"{name} is {Encoding.UTF8.GetByteCount(name)} bytes");
            Assert.Equal(name, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name))); // no character cut in half
            DatabaseNames.EnsureFits(name, "generated name");
            var parsed = DatabaseNames.Parse(name);
            Assert.NotNull(parsed);
            Assert.Equal(kind, parsed.Kind);
            Assert.Equal(Now, parsed.CreatedUtc);
            Assert.StartsWith(parsed.Source, source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSourcePartIsShortenedOnACharacterBoundary()
    {
        Assert.Equal("ab", DatabaseNames.TruncateUtf8("ab🐘", 5));
        Assert.Equal("ab🐘", DatabaseNames.TruncateUtf8("ab🐘", 6));
        Assert.Equal("é", DatabaseNames.TruncateUtf8("éé", 3));
    }

    [Theory]
    [InlineData("opsrunbooks_verify_shop")]                               // no time and random part
    [InlineData("opsrunbooks_verify_shop_20260301023045_ABCDEF")]         // upper-case random part
    [InlineData("opsrunbooks_verify_shop_2026030102304_abcdef")]          // 13 digits
    [InlineData("opsrunbooks_verify_shop_20261301023045_abcdef")]         // month 13
    [InlineData("opsrunbooks_verify_shop_20260301023045_abcdef_copy")]    // something after it
    [InlineData("shop_restoring_20260301023045_abcde")]                   // 5 random digits
    [InlineData("_restoring_20260301023045_abcdef")]                      // no target part
    [InlineData("shop")]
    public void OtherNamesAreNotRecognised(string name) => Assert.Null(DatabaseNames.Parse(name));

    [Fact]
    public void NamesOfEarlierVersionsAreRecognised() =>
        Assert.Equal(GeneratedDatabaseKind.Scratch, DatabaseNames.Parse("opsrunbooks_verify_shop_20250301023000_0a1b2c")?.Kind);

    [Fact]
    public void ANameOver63BytesIsRefusedWithAStableId()
    {
        DatabaseNames.EnsureFits(new string('a', 63), "target database");
        var error = Assert.Throws<OpsException>(() => DatabaseNames.EnsureFits(new string('é', 32), "target database"));
        Assert.Equal(PostgresErrorIds.DatabaseNameTooLong, error.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, error.Kind);
        Assert.Contains("64 bytes", error.Message);
    }

    [Theory]
    [InlineData(1, "exited with code 1")]
    [InlineData(137, "was killed by SIGKILL (signal 9, exit code 137)")]
    [InlineData(143, "was killed by SIGTERM (signal 15, exit code 143)")]
    [InlineData(134, "was killed by SIGABRT (signal 6, exit code 134)")]
    [InlineData(255, "exited with code 255")]
    public void AnExitBySignalIsNamed(int exitCode, string expected) =>
        Assert.StartsWith(expected, PgClientProcess.DescribeExit(exitCode), StringComparison.Ordinal);
}
