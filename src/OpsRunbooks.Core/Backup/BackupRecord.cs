using System.Text.Json.Serialization;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Backup;

/// <summary>
/// One backup as its manifest describes it. The manifest is written last, so a record exists only for
/// an artifact that was completely stored.
/// </summary>
public sealed class BackupRecord
{
    public int FormatVersion { get; set; } = 1;
    public string Id { get; set; } = "";
    public string Database { get; set; } = "";
    public string? Environment { get; set; }
    public string Server { get; set; } = "";
    public int Port { get; set; }
    public string ServerVersion { get; set; } = "";
    public string PgDumpVersion { get; set; } = "";
    public DateTime StartedUtc { get; set; }
    public DateTime FinishedUtc { get; set; }
    public TimeSpan Duration { get; set; }
    public long DumpBytes { get; set; }
    public long StoredBytes { get; set; }
    public string Sha256 { get; set; } = "";
    public string Encryption { get; set; } = "OpenPGP";
    public string EncryptionKeyFingerprint { get; set; } = "";
    public string EncryptionKeyId { get; set; } = "";
    public SortedDictionary<string, long> TableRowCounts { get; set; } = new(StringComparer.Ordinal);
    public string Host { get; set; } = "";
    public string User { get; set; } = "";
    public string DatabaseUser { get; set; } = "";
    public string ModuleVersion { get; set; } = "";
    public string ArtifactName { get; set; } = "";
    public string ManifestName { get; set; } = "";

    /// <summary>The store the record was read from or written to; not part of the manifest.</summary>
    [JsonIgnore]
    public IBackupStore? Store { get; set; }

    public override string ToString() => $"{Database} {Id} ({StoredBytes:N0} bytes, {FinishedUtc:u})";
}

/// <summary>What the module does with a record, kept off the record itself so that output objects carry only data.</summary>
public static class BackupRecordStore
{
    /// <summary>The store the record was read from; a record made by hand has none, and nothing can be done with it.</summary>
    public static IBackupStore RequireStore(this BackupRecord backup) => backup.Store ?? throw new OpsException(BackupErrorIds.BackupStoreUnknown, FailureKind.InvalidArgument,
        $"The backup {backup.Id} does not say which store it is in; take backups that Get-DatabaseBackup lists.", backup);
}
