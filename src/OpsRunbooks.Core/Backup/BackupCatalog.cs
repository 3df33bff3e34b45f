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
        // The folders narrow the listing down; which database a backup is of, only its manifest says.
        string[] prefixes = database is null ? [""] : [.. new[] { BackupNaming.FolderOf(database), BackupNaming.LegacyFolderOf(database) }.Distinct()];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in ListAllAsync(store, prefixes, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Name.EndsWith(BackupNaming.ManifestSuffix, StringComparison.Ordinal) || !seen.Add(item.Name)) continue;
            using var content = new MemoryStream();
            try
            {
                await using var stream = await store.OpenReadAsync(item.Name, cancellationToken).ConfigureAwait(false);
                await stream.CopyToAsync(content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsGone(e))
            {
                // Removed since it was listed (another retention run): it is no longer a backup.
                continue;
            }
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
            if (database is not null && !string.Equals(record.Database, database, StringComparison.Ordinal)) continue;
            record.Store = store;
            yield return record;
        }
    }

    private static async IAsyncEnumerable<StoredObject> ListAllAsync(IBackupStore store, string[] prefixes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var prefix in prefixes)
            await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
                yield return item;
    }

    private static bool IsGone(Exception e) =>
        e is FileNotFoundException or DirectoryNotFoundException || e is OpsException { ErrorId: StorageErrorIds.BackupObjectNotFound };
}
