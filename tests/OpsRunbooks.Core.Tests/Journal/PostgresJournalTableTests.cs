using System.Net;
using OpsRunbooks.Journal;
using OpsRunbooks.Postgres;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Journal;

[Collection(ServicesCollection.Name)]
public sealed class PostgresJournalTableTests(ServicesFixture services)
{
    private readonly string _table = "journal_" + Guid.NewGuid().ToString("N")[..8];

    private PostgresJournalTable Table(string? name = null) => new(
        new PostgresTarget(services.Postgres.Host, services.Postgres.Port, "postgres", new NetworkCredential(services.Postgres.User, services.Postgres.Password)),
        name ?? _table);

    [Fact]
    public async Task TheTableIsCreatedAndHoldsTheSeedsColumnsAndOurs()
    {
        var entry = JournalFileTests.Entry("app on db1:5432", DateTime.UtcNow, OperationOutcome.Failed);

        await Table().AppendAsync(entry, CancellationToken.None);
        await Table().AppendAsync(entry, CancellationToken.None);

        var row = await services.Postgres.QueryAsync(
            $"SELECT operation_type, status, details->>'StoredBytes', error_id, run_id, entry_id FROM {_table}", "postgres");
        Assert.Equal($"database_backup|failure|1024|DatabaseNotFound|run-1|{entry.Id}", row);
        var read = Assert.Single(await ReadAsync(Table()));
        Assert.Equal(OperationLogEntryJson.Serialize(entry), OperationLogEntryJson.Serialize(read));
    }

    [Fact]
    public async Task ATableOfTheSeedsShapeGainsOurColumnsAndKeepsItsRows()
    {
        await services.Postgres.QueryAsync(
            $"CREATE TABLE {_table} (id serial PRIMARY KEY, operation_type varchar(50), status varchar(20), details jsonb, created_at timestamp);" +
            $"INSERT INTO {_table} (operation_type, status, details, created_at) VALUES ('scale_workers', 'success', '{{\"old_count\": 12}}', NOW())", "postgres");

        await Table().AppendAsync(JournalFileTests.Entry("orders on db1:5432", DateTime.UtcNow), CancellationToken.None);

        var rows = await services.Postgres.QueryAsync($"SELECT operation_type, status, target FROM {_table} ORDER BY id", "postgres");
        Assert.Equal("scale_workers|success|\ndatabase_backup|success|orders on db1:5432", rows);
    }

    [Fact]
    public async Task EntriesOneAfterAnotherShareOneSessionThatStaysOpen()
    {
        await Table().AppendAsync(JournalFileTests.Entry("first", DateTime.UtcNow), CancellationToken.None);
        var sessions = await JournalSessionsAsync();

        for (var i = 0; i < 5; i++)
            await Table().AppendAsync(JournalFileTests.Entry($"next{i}", DateTime.UtcNow), CancellationToken.None);

        Assert.Single(sessions);
        Assert.Equal(sessions, await JournalSessionsAsync());
        Assert.Equal("6", await services.Postgres.QueryAsync($"SELECT count(*) FROM {_table}", "postgres"));
    }

    [Fact]
    [Trait("Category", "Fault")]
    public async Task AnEntryAfterTheServerEndedThePooledSessionStillLands()
    {
        var first = JournalFileTests.Entry("before", DateTime.UtcNow);
        await Table().AppendAsync(first, CancellationToken.None);
        // As a restart or an idle timeout would: the session sits idle in the pool, its socket closed by the server.
        Assert.Equal("t", await services.Postgres.QueryAsync(
            $"SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE application_name = '{JournalApplication}'", "postgres"));

        var second = JournalFileTests.Entry("after", DateTime.UtcNow);
        await Table().AppendAsync(second, CancellationToken.None);

        Assert.Equal($"{first.Id}\n{second.Id}", await services.Postgres.QueryAsync($"SELECT entry_id FROM {_table} ORDER BY id", "postgres"));
    }

    [Fact]
    public async Task AnEntryAfterTheTableWasDroppedMakesItAgain()
    {
        await Table().AppendAsync(JournalFileTests.Entry("before", DateTime.UtcNow), CancellationToken.None);
        await services.Postgres.QueryAsync($"DROP TABLE {_table}", "postgres");

        var after = JournalFileTests.Entry("after", DateTime.UtcNow);
        await Table().AppendAsync(after, CancellationToken.None);

        Assert.Equal(after.Id, Assert.Single(await ReadAsync(Table())).Id);
    }

    [Fact]
    [Trait("Category", "Fault")]
    public async Task AServerThatIsDownFailsEachEntryAtOnce()
    {
        var down = new PostgresJournalTable(new PostgresTarget("127.0.0.1", TestHttpListener.FreePort(), "postgres", new NetworkCredential("nobody", "x")), _table);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<OpsException>(() => down.AppendAsync(JournalFileTests.Entry("lost", DateTime.UtcNow), CancellationToken.None));
            Assert.Equal(PostgresErrorIds.ConnectionFailed, error.ErrorId);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"attempt {attempt} took {clock.Elapsed}");
        }
    }

    [Fact]
    public async Task TheServerFiltersNewestFirstAndStopsAtFirst()
    {
        var start = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        var outcomes = new[] { OperationOutcome.Succeeded, OperationOutcome.Failed, OperationOutcome.Cancelled };
        var written = Enumerable.Range(0, 12).Select(i => JournalFileTests.Entry($"db{i} on host{i % 3}", start.AddMinutes(i), outcomes[i % 3])).ToList();
        foreach (var entry in written)
            await Table().AppendAsync(entry, CancellationToken.None);
        List<string> Targets(IEnumerable<OperationLogEntry> entries) => entries.Select(e => e.Target.Split(' ')[0]).ToList();

        Assert.Equal(Targets(written.AsEnumerable().Reverse()), Targets(await ReadAsync(Table())));
        Assert.Equal(["db10", "db7", "db4"], Targets(await ReadAsync(Table(), new OperationLogQuery
        {
            Outcomes = [OperationOutcome.Failed], Target = "^DB.* ON HOST1$", Operations = ["^nothing$", "^database"], First = 3,
        })));
        // Times in the table are to the microsecond; one tick past an entry's finish is after it.
        Assert.Equal(["db11", "db10", "db9"], Targets(await ReadAsync(Table(), new OperationLogQuery { Since = written[9].FinishedAt })));
        Assert.Equal(["db11", "db10"], Targets(await ReadAsync(Table(), new OperationLogQuery { Since = written[9].FinishedAt.AddTicks(1) })));
        Assert.Empty(await ReadAsync(Table(), new OperationLogQuery { Outcomes = [] }));
    }

    [Fact]
    public async Task ReadingATableNothingWasRecordedInSaysSoAndAServerThatIsDownSaysThat()
    {
        var missing = await Assert.ThrowsAsync<OpsException>(() => ReadAsync(Table()));
        Assert.Equal((JournalErrorIds.JournalTableNotFound, FailureKind.NotFound), (missing.ErrorId, missing.Kind));
        Assert.Contains($"no operations-log table {_table} on ", missing.Message);

        var down = new PostgresJournalTable(new PostgresTarget("127.0.0.1", TestHttpListener.FreePort(), "postgres", new NetworkCredential("nobody", "x")), _table);
        Assert.Equal(PostgresErrorIds.ConnectionFailed, (await Assert.ThrowsAsync<OpsException>(() => ReadAsync(down))).ErrorId);
    }

    [Fact]
    public void ATableNameThatIsNotAnIdentifierIsRefused()
    {
        var error = Assert.Throws<OpsException>(() => Table("logs; DROP TABLE x"));
        Assert.Equal(JournalErrorIds.JournalTableNameInvalid, error.ErrorId);
    }

    private static async Task<List<OperationLogEntry>> ReadAsync(PostgresJournalTable table, OperationLogQuery? query = null)
    {
        var entries = new List<OperationLogEntry>();
        await foreach (var entry in table.ReadNewestFirstAsync(query ?? new OperationLogQuery(), CancellationToken.None))
            entries.Add(entry);
        return entries;
    }

    private const string JournalApplication = "OpsRunbooks journal";

    /// <summary>The server's sessions of the journal's pool, by process id.</summary>
    private async Task<string[]> JournalSessionsAsync() =>
        (await services.Postgres.QueryAsync($"SELECT pid FROM pg_stat_activity WHERE application_name = '{JournalApplication}' ORDER BY pid", "postgres"))
        .Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
