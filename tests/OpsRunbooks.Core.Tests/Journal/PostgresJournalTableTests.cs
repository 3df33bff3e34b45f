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
    public void ATableNameThatIsNotAnIdentifierIsRefused()
    {
        var error = Assert.Throws<OpsException>(() => Table("logs; DROP TABLE x"));
        Assert.Equal(JournalErrorIds.JournalTableNameInvalid, error.ErrorId);
    }

    private static async Task<List<OperationLogEntry>> ReadAsync(PostgresJournalTable table)
    {
        var entries = new List<OperationLogEntry>();
        await foreach (var entry in table.ReadNewestFirstAsync(null, CancellationToken.None))
            entries.Add(entry);
        return entries;
    }
}
