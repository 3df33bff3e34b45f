using System.Collections;
using System.Management.Automation;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A BackupRecord read through its PowerShell properties. The tests do not reference the core assembly:
/// the module loads its own copy in its own load context, as it does in a user's session.
/// </summary>
public sealed record BackupView(PSObject Source)
{
    public string TypeName => Source.BaseObject.GetType().FullName!;
    public string Id => Get<string>();
    public string Database => Get<string>();
    public string ArtifactName => Get<string>();
    public string ManifestName => Get<string>();
    public string Sha256 => Get<string>();
    public string ServerVersion => Get<string>();
    public long StoredBytes => Get<long>();
    public long DumpBytes => Get<long>();
    public DateTime StartedUtc => Get<DateTime>();
    public DateTime FinishedUtc => Get<DateTime>();

    public IReadOnlyDictionary<string, long> TableRowCounts
    {
        get
        {
            var counts = new Dictionary<string, long>();
            foreach (DictionaryEntry entry in (IDictionary)Source.Properties[nameof(TableRowCounts)].Value)
                counts[(string)entry.Key] = (long)entry.Value!;
            return counts;
        }
    }

    private T Get<T>([System.Runtime.CompilerServices.CallerMemberName] string name = "") => (T)Source.Properties[name].Value;
}

public static class EngineResultExtensions
{
    public static IReadOnlyList<BackupView> Backups(this EngineResult result) =>
        result.Output.Where(o => o.BaseObject.GetType().FullName == "OpsRunbooks.Backup.BackupRecord").Select(o => new BackupView(o)).ToList();
}
