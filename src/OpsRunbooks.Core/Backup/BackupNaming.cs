using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Backup;

/// <summary>
/// How backups are named in a store: one folder per database, artifact and manifest side by side.
/// A database name becomes its folder by a reversible encoding, never raw, so no name can reach into
/// another database's folder or out of the store.
/// </summary>
public static class BackupNaming
{
    public const string ArtifactSuffix = ".dump.pgp";
    public const string ManifestSuffix = ".manifest.json";

    /// <summary>
    /// A backup's id: the database's folder name, the start to the millisecond and 8 random hex digits,
    /// so two backups of one database started in the same millisecond still differ.
    /// </summary>
    public static string NewId(string database, DateTime startedUtc) =>
        SegmentOf(database) + "_" + startedUtc.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture)
        + "_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    public static string FolderOf(string database) => SegmentOf(database) + "/";

    /// <summary>
    /// The folder of stores written before names were encoded: the name itself. It differs from
    /// <see cref="FolderOf"/> only for names that are not safe path segments; such backups are still read.
    /// </summary>
    public static string LegacyFolderOf(string database) => database + "/";

    public static string ArtifactName(string database, string id) => FolderOf(database) + id + ArtifactSuffix;

    public static string ManifestName(string database, string id) => FolderOf(database) + id + ManifestSuffix;

    /// <summary>Whether <paramref name="name"/> is a file with the suffix directly in the database's folder, new layout or old.</summary>
    public static bool IsInFolderOf(string name, string database, string suffix) =>
        database.Length > 0 && name.EndsWith(suffix, StringComparison.Ordinal)
        && (IsDirectlyIn(name, FolderOf(database)) || IsDirectlyIn(name, LegacyFolderOf(database)))
        && !name.Split('/').Any(part => part is "" or "." or "..");

    private static bool IsDirectlyIn(string name, string folder) =>
        name.StartsWith(folder, StringComparison.Ordinal) && name.IndexOf('/', folder.Length) < 0;

    /// <summary>
    /// A database name as one path segment: unchanged when it is already a safe one (letters, digits,
    /// '_', '-', '.', not starting with '.'), else every other UTF-8 byte, and a leading '.', as %XX. A safe
    /// name has no '%' and an encoded one always has, so no two names share a segment, and the segment
    /// is never "." or "..".
    /// </summary>
    public static string SegmentOf(string database)
    {
        if (string.IsNullOrEmpty(database))
            throw new OpsException(StorageErrorIds.DatabaseNameInvalid, FailureKind.InvalidArgument, "A backup needs a database name; the name is empty.");
        if (IsSafeSegment(database)) return database;
        var encoded = new StringBuilder(database.Length * 3);
        var bytes = Encoding.UTF8.GetBytes(database);
        for (var i = 0; i < bytes.Length; i++)
        {
            var c = (char)bytes[i];
            if (bytes[i] < 0x80 && IsSafeChar(c) && !(i == 0 && c == '.')) encoded.Append(c);
            else encoded.Append('%').Append(bytes[i].ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    /// <summary>The database name a segment stands for: the inverse of <see cref="SegmentOf"/>.</summary>
    public static string DatabaseOf(string segment) => Uri.UnescapeDataString(segment);

    private static bool IsSafeSegment(string name) => name[0] != '.' && name.All(c => c < 0x80 && IsSafeChar(c));

    private static bool IsSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
}
