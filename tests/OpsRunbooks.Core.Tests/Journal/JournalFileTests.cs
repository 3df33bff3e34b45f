using System.Text;
using OpsRunbooks.Journal;
using Xunit;

namespace OpsRunbooks.Core.Tests.Journal;

public sealed class JournalFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-journal-").FullName;

    private string LogPath => Path.Combine(_directory, "nested", "operations.jsonl");

    /// <summary>An entry finished at <paramref name="finished"/> to the millisecond, a precision PostgreSQL keeps.</summary>
    public static OperationLogEntry Entry(string target, DateTime finished, OperationOutcome outcome = OperationOutcome.Succeeded) => Entry(target,
        new DateTime(finished.Ticks - finished.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc), outcome, 0);

    private static OperationLogEntry Entry(string target, DateTime finished, OperationOutcome outcome, int _) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Operation = "DatabaseBackup",
        Target = target,
        Environment = "test",
        User = "ops",
        Host = "host1",
        StartedAt = finished.AddSeconds(-3),
        FinishedAt = finished,
        Outcome = outcome,
        Figures = new OperationFigures { { "StoredBytes", 1024L }, { "DurationSeconds", TimeSpan.FromMilliseconds(2500) }, { "Replaced", true }, { "BackupId", "b1" } },
        ErrorId = outcome == OperationOutcome.Failed ? "DatabaseNotFound" : null,
        RunId = "run-1",
        Message = "a \"quoted\"\nmessage",
    };

    [Fact]
    public void AnEntryIsOneLineAndReadsBackWithItsFiguresInOrder()
    {
        var file = new JournalFile(LogPath);
        var written = Entry("app on db1:5432", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), OperationOutcome.Failed);
        file.Append(written);

        Assert.Single(File.ReadAllLines(LogPath));
        var read = Assert.Single(file.ReadNewestFirst());
        Assert.Equal(OperationLogEntryJson.Serialize(written), OperationLogEntryJson.Serialize(read));
        Assert.Equal(["StoredBytes", "DurationSeconds", "Replaced", "BackupId"], read.Figures.Keys);
        Assert.Equal(2.5, read.Figures["DurationSeconds"]);
        Assert.Equal(TimeSpan.FromSeconds(3), read.Duration);
        Assert.Equal(DateTimeKind.Utc, read.FinishedAt.Kind);
    }

    [Fact]
    public void EntriesComeNewestFirstAcrossManyBlocksAndAHalfWrittenLastLineIsLeftOut()
    {
        var file = new JournalFile(LogPath);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        // Long targets put entries across the 64 KiB blocks the reader reads backwards in.
        for (var i = 0; i < 500; i++)
            file.Append(Entry($"db{i} " + new string('x', i % 7 * 100), start.AddMinutes(i)));
        File.AppendAllText(LogPath, "{\"id\":\"half-written");

        var targets = file.ReadNewestFirst().Select(e => e.Target.Split(' ')[0]).ToList();

        Assert.Equal(Enumerable.Range(0, 500).Reverse().Select(i => $"db{i}"), targets);
    }

    [Fact]
    public void ALineThatIsNotAnEntryIsReportedWithItsOffsetAndSkipped()
    {
        var file = new JournalFile(LogPath);
        file.Append(Entry("first", DateTime.UtcNow));
        File.AppendAllText(LogPath, "not json\n");
        file.Append(Entry("last", DateTime.UtcNow));
        var problems = new List<long>();

        var targets = file.ReadNewestFirst((offset, _) => problems.Add(offset)).Select(e => e.Target).ToList();

        Assert.Equal(["last", "first"], targets);
        Assert.Equal([File.ReadAllLines(LogPath)[0].Length + 1L], problems);
    }

    [Fact]
    public void AMissingFileIsJournalFileNotFound()
    {
        var error = Assert.Throws<OpsException>(() => new JournalFile(LogPath).ReadNewestFirst().ToList());
        Assert.Equal(JournalErrorIds.JournalFileNotFound, error.ErrorId);
    }

    [Fact]
    public async Task ConcurrentWritersNeverInterleaveTheirLines()
    {
        // Each writer has its own JournalFile and file handles, as separate processes would.
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            var file = new JournalFile(LogPath);
            for (var i = 0; i < 200; i++)
                file.Append(Entry($"writer{w}-{i} " + new string('y', 3000), DateTime.UtcNow));
        }));
        await Task.WhenAll(writers);

        var lines = File.ReadAllLines(LogPath, Encoding.UTF8);
        Assert.Equal(1600, lines.Length);
        var targets = new JournalFile(LogPath).ReadNewestFirst().Select(e => e.Target.Split(' ')[0]).ToHashSet();
        Assert.Equal(1600, targets.Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
