using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Recommendation;
using Xunit;

namespace OpsRunbooks.Core.Tests.Scaling;

public sealed class RecommendationHistoryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-state-").FullName;

    [Fact]
    public async Task KeepsTheWindowsRecommendationsAndDropsOlderOnes()
    {
        var history = new RecommendationHistory(_directory, "production", "worker");
        var window = TimeSpan.FromMinutes(5);
        await history.UpdateAsync(window, Now.AddMinutes(-7), _ => (0, 40), CancellationToken.None);
        await history.UpdateAsync(window, Now.AddMinutes(-3), past => (past.Count, 30), CancellationToken.None);

        var seen = await history.UpdateAsync(window, Now, past => (past, 10), CancellationToken.None);

        Assert.Equal([new PastRecommendation(Now.AddMinutes(-7), 40), new PastRecommendation(Now.AddMinutes(-3), 30)], seen);
        Assert.Equal([new PastRecommendation(Now.AddMinutes(-3), 30), new PastRecommendation(Now, 10)], history.Read());
        Assert.Equal(Path.Combine(_directory, "production", "worker.json"), history.Path);
        Assert.Single(Directory.GetFiles(Path.Combine(_directory, "production"), "*.json"));
    }

    [Fact]
    public async Task TwoRunsAtOnceBothLand()
    {
        var window = TimeSpan.FromHours(1);
        var runs = Enumerable.Range(1, 16).Select(i => Task.Run(() =>
            new RecommendationHistory(_directory, "production", "worker").UpdateAsync(window, Now.AddSeconds(i), past =>
            {
                Thread.Sleep(5); // widen the window in which a run without the lock would lose the other's entry
                return (0, i);
            }, CancellationToken.None)));
        await Task.WhenAll(runs);

        var kept = new RecommendationHistory(_directory, "production", "worker").Read();
        Assert.Equal(Enumerable.Range(1, 16), kept.Select(k => k.Count).Order());
    }

    [Fact]
    public async Task AFailedDecisionStoresNothing()
    {
        var history = new RecommendationHistory(_directory, "production", "worker");
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            history.UpdateAsync<int>(TimeSpan.FromMinutes(5), Now, _ => throw new InvalidOperationException("no"), CancellationToken.None));
        Assert.False(File.Exists(history.Path));
    }

    [Fact]
    public void AFileThatIsNotStateIsANamedError()
    {
        var history = new RecommendationHistory(_directory, "production", "worker");
        Directory.CreateDirectory(Path.GetDirectoryName(history.Path)!);
        File.WriteAllText(history.Path, "{ \"recommendations\": [ ");

        var failure = Assert.Throws<OpsException>(() => history.Read());

        Assert.Equal(ScalingErrorIds.RecommendationStateInvalid, failure.ErrorId);
        Assert.Contains("Delete it", failure.Message);
    }

    [Fact]
    public void NamesThatLookLikePathsStayInsideTheDirectory()
    {
        var history = new RecommendationHistory(_directory, "../prod", "a/b");
        Assert.StartsWith(_directory + Path.DirectorySeparatorChar, Path.GetFullPath(history.Path));
        Assert.Equal(Path.Combine(_directory, "_._prod", "a_b.json"), history.Path);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
