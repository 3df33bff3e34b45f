using OpsRunbooks.Backup;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Reports;

/// <summary>What the operations report of an environment shows: per database its backups, freshness and restore evidence.</summary>
public sealed class OpsReport
{
    public required string Environment { get; init; }
    public required DateTime GeneratedUtc { get; init; }
    public required string StoreLocation { get; init; }
    public required IReadOnlyList<DatabaseReport> Databases { get; init; }
}

public sealed class DatabaseReport
{
    public required string Database { get; init; }
    public required BackupFreshnessResult Freshness { get; init; }

    /// <summary>The database's backups in the store, oldest first.</summary>
    public required IReadOnlyList<BackupRecord> Backups { get; init; }
    public required RestoreEvidence Evidence { get; init; }
}

public static class OpsReportBuilder
{
    /// <summary>
    /// Gathers the report of an environment: every database it lists or its store holds, with the store's backups,
    /// the freshness verdict of its thresholds, and the restore evidence of the operations-log entries given.
    /// </summary>
    public static async Task<OpsReport> BuildAsync(OpsEnvironment environment, IBackupStore store, IEnumerable<OperationLogEntry> entries,
        int trendWindow, DateTime nowUtc, Action<OpsException> unreadableManifest, CancellationToken cancellationToken)
    {
        var backups = await BackupCatalog.ListAsync(store, null, null, unreadableManifest, cancellationToken).ConfigureAwait(false);
        var expected = environment.Databases.Select(d => d.Name).ToList();
        var freshness = BackupFreshness.Evaluate(backups, expected, FreshnessPolicy.For(environment), nowUtc)
            .ToDictionary(f => f.Database, StringComparer.Ordinal);
        var evidence = RestoreEvidenceBuilder.Build(entries, freshness.Keys, environment.Name, trendWindow, nowUtc)
            .Where(e => freshness.ContainsKey(e.Database))
            .ToDictionary(e => e.Database, StringComparer.Ordinal);
        return new OpsReport
        {
            Environment = environment.Name,
            GeneratedUtc = nowUtc,
            StoreLocation = store.Location,
            Databases = [.. freshness.Keys.Order(StringComparer.Ordinal).Select(database => new DatabaseReport
            {
                Database = database,
                Freshness = freshness[database],
                Backups = [.. backups.Where(b => b.Database == database).OrderBy(b => b.StartedUtc)],
                Evidence = evidence[database],
            })],
        };
    }
}
