using OpsRunbooks.Backup;
using OpsRunbooks.Reports;
using Xunit;

namespace OpsRunbooks.Core.Tests.Reports;

public sealed class OpsReportHtmlTests
{
    private static readonly DateTime Now = new(2026, 3, 12, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ThePageIsSelfContainedAndEscapesWhatItShows()
    {
        var database = "<script>alert(1)</script>";
        var backups = Enumerable.Range(1, 3).Select(i => new BackupRecord
        {
            Id = BackupNaming.NewId(database, Now.AddDays(-i)), Database = database, StartedUtc = Now.AddDays(-i),
            FinishedUtc = Now.AddDays(-i).AddMinutes(2), Duration = TimeSpan.FromMinutes(2), StoredBytes = 1000 * i,
        }).ToList();
        var report = new OpsReport
        {
            Environment = "production", GeneratedUtc = Now, StoreLocation = "s3://bucket/prefix",
            Databases = [new DatabaseReport
            {
                Database = database,
                Backups = [.. backups.OrderBy(b => b.StartedUtc)],
                Freshness = BackupFreshness.Evaluate(backups, [], new FreshnessPolicy(), Now).Single(),
                Evidence = RestoreEvidenceBuilder.Build([], [database], "production", 5, Now).Single(),
            }],
        };

        var html = OpsReportHtml.Render(report);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("name=\"viewport\"", html);
        Assert.Contains("data-chart=\"backup-size\" data-points=\"3\"", html);
        Assert.Contains("data-chart=\"backup-duration\" data-points=\"3\"", html);
        Assert.Contains("data-chart=\"restore-time\" data-points=\"0\"", html);
        Assert.Contains("nothing recorded yet", html);
    }
}
