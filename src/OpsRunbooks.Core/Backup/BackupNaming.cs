using System.Globalization;

namespace OpsRunbooks.Backup;

/// <summary>How backups are named in a store: one folder per database, artifact and manifest side by side.</summary>
public static class BackupNaming
{
    public const string ArtifactSuffix = ".dump.pgp";
    public const string ManifestSuffix = ".manifest.json";

    public static string NewId(string database, DateTime startedUtc) =>
        database + "_" + startedUtc.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);

    public static string FolderOf(string database) => database + "/";

    public static string ArtifactName(string database, string id) => FolderOf(database) + id + ArtifactSuffix;

    public static string ManifestName(string database, string id) => FolderOf(database) + id + ManifestSuffix;
}
