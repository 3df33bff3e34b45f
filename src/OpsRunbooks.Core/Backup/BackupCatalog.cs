using System.Runtime.CompilerServices;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Backup;

/// <summary>Reads the backups a store holds from their manifests; artifacts without one are not backups.</summary>
public static class BackupCatalog
{
    /// <summary>Backups newest first, optionally of one database and limited to the newest N.</summary>
    /// <param name="onUnreadableManifest">Told of each manifest that cannot be read; it is left out of the list.</param>
    public static async Task<IReadOnlyList<BackupRecord>> ListAsync(IBackupStore store, string? database, int? newest,
        Action<OpsException> onUnreadableManifest, CancellationToken cancellationToken)
    {
        var records = new List<BackupRecord>();
        await foreach (var record in ReadManifestsAsync(store, database, onUnreadableManifest, cancellationToken).ConfigureAwait(false))
            records.Add(record);
        IEnumerable<BackupRecord> ordered = NewestFirst(records);
        if (newest is { } n) ordered = ordered.Take(n);
        return ordered.ToList();
    }

    /// <summary>The order backups are listed and planned in: newest start first, ties broken by id.</summary>
    public static IOrderedEnumerable<BackupRecord> NewestFirst(IEnumerable<BackupRecord> backups) =>
        backups.OrderByDescending(r => r.StartedUtc).ThenByDescending(r => r.Id, StringComparer.Ordinal);

    private static async IAsyncEnumerable<BackupRecord> ReadManifestsAsync(IBackupStore store, string? database,
        Action<OpsException> onUnreadableManifest, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = database is null ? "" : BackupNaming.FolderOf(database);
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Name.EndsWith(BackupNaming.ManifestSuffix, StringComparison.Ordinal)) continue;
            using var content = new MemoryStream();
            await using (var stream = await store.OpenReadAsync(item.Name, cancellationToken).ConfigureAwait(false))
                await stream.CopyToAsync(content, cancellationToken).ConfigureAwait(false);
            BackupRecord record;
            try
            {
                record = BackupManifestSerializer.Deserialize(content.GetBuffer().AsSpan(0, (int)content.Length), item.Name);
            }
            catch (OpsException e)
            {
                onUnreadableManifest(e);
                continue;
            }
            record.Store = store;
            yield return record;
        }
    }
}
