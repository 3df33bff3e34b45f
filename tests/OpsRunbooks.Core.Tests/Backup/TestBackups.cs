using System.Text;
using OpsRunbooks.Backup;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Core.Tests.Backup;

/// <summary>Backup records made for planning and checking, and real ones written into a store.</summary>
internal static class TestBackups
{
    public static DateTime Utc(int year, int month, int day, int hour = 2, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Utc);

    public static BackupRecord Record(string database, DateTime startedUtc, long storedBytes = 1000, IBackupStore? store = null)
    {
        var id = BackupNaming.NewId(database, startedUtc);
        return new BackupRecord
        {
            Id = id,
            Database = database,
            StartedUtc = startedUtc,
            FinishedUtc = startedUtc.AddMinutes(5),
            Duration = TimeSpan.FromMinutes(5),
            StoredBytes = storedBytes,
            DumpBytes = storedBytes,
            Sha256 = new string('0', 64),
            ArtifactName = BackupNaming.ArtifactName(database, id),
            ManifestName = BackupNaming.ManifestName(database, id),
            Store = store,
        };
    }

    /// <summary>One backup a day at 02:00 UTC, for <paramref name="days"/> days up to and including <paramref name="lastDay"/>.</summary>
    public static List<BackupRecord> Daily(string database, DateTime lastDay, int days) =>
        Enumerable.Range(0, days).Select(i => Record(database, lastDay.Date.AddDays(-i).AddHours(2))).ToList();

    /// <summary>Writes an artifact and then its manifest, as a backup does, and returns the record.</summary>
    public static async Task<BackupRecord> WriteAsync(IBackupStore store, string database, DateTime startedUtc)
    {
        var record = Record(database, startedUtc, store: store);
        var content = Encoding.UTF8.GetBytes("artifact of " + record.Id);
        await using (var upload = await store.BeginUploadAsync(record.ArtifactName, new Dictionary<string, string>(), CancellationToken.None))
        {
            await upload.Content.WriteAsync(content);
            await upload.CompleteAsync(CancellationToken.None);
        }
        record.StoredBytes = content.Length;
        await store.WriteObjectAsync(record.ManifestName, BackupManifestSerializer.Serialize(record), CancellationToken.None);
        return record;
    }

    public static Task<IReadOnlyList<BackupRecord>> ListAsync(IBackupStore store) =>
        BackupCatalog.ListAsync(store, null, null, e => throw e, CancellationToken.None);
}
