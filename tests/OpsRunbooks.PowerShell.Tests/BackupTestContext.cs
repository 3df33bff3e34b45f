using System.Security;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsRunbooks.TestSupport;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>A fresh store (a local directory unless given another) and an engine session with $credential, $store, $key and server variables set.</summary>
public sealed class BackupTestContext : IDisposable
{
    public BackupTestContext(ServicesFixture services, ITestStore? store = null)
    {
        Services = services;
        Store = store ?? new LocalTestStore();
        Session = new EngineSession();
        Session.SetVariable("server", services.Postgres.Host);
        Session.SetVariable("port", services.Postgres.Port);
        Session.SetVariable("database", services.Postgres.SeedDatabase);
        Session.SetVariable("credential", Credential(services.Postgres.User, services.Postgres.Password));
        Session.SetVariable("key", services.Keys.PublicKeyPath);
        Session.Invoke("$store = " + Store.NewStoreExpression).EnsureSuccess();
    }

    public ServicesFixture Services { get; }
    public PostgresService Postgres => Services.Postgres;
    public ITestStore Store { get; }
    public EngineSession Session { get; }

    /// <summary>The directory of a local store, for tests that look at its files.</summary>
    public string StorePath => ((LocalTestStore)Store).Path;

    public const string BackupSeed =
        "Invoke-DatabaseBackup -Server $server -Port $port -Database $database -Credential $credential -Store $store -EncryptionKey $key";

    public static System.Management.Automation.PSCredential Credential(string user, string password)
    {
        var secure = new SecureString();
        foreach (var c in password) secure.AppendChar(c);
        return new System.Management.Automation.PSCredential(user, secure);
    }

    /// <summary>Every object in the store, partial ones included, by name.</summary>
    public IReadOnlyList<string> StoreFiles() => Store.ObjectNames();

    /// <summary>The stored bytes of an object, read back through the module's own store object.</summary>
    public byte[] ReadThroughModule(string name)
    {
        var stream = (Stream)Session.Invoke("$store.OpenReadAsync($args[0], [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()", name)
            .EnsureSuccess().Output.Single().BaseObject;
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    /// <summary>Real backups of the seed database, made one after the other.</summary>
    public IReadOnlyList<BackupView> BackUpSeed(int count) =>
        Enumerable.Range(0, count).Select(_ => Session.Invoke(BackupSeed).EnsureSuccess().Backups().Single()).ToList();

    /// <summary>
    /// Rewrites a backup's manifest in the store: moves it in time (finished two minutes after it started),
    /// changes its size or checksum, or sets the row counts of some tables.
    /// </summary>
    public void RewriteManifest(BackupView backup, DateTime? startedUtc = null, long? storedBytes = null, string? sha256 = null,
        IReadOnlyDictionary<string, long>? tableRowCounts = null)
    {
        var manifest = JsonNode.Parse(Store.ReadText(backup.ManifestName))!.AsObject();
        if (startedUtc is { } started)
        {
            manifest["startedUtc"] = started;
            manifest["finishedUtc"] = started.AddMinutes(2);
        }
        if (storedBytes is { } bytes) manifest["storedBytes"] = bytes;
        if (sha256 is not null) manifest["sha256"] = sha256;
        foreach (var (table, count) in tableRowCounts ?? new Dictionary<string, long>())
            manifest["tableRowCounts"]![table] = count;
        Store.WriteText(backup.ManifestName, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public void Dispose()
    {
        Session.Dispose();
        Store.Dispose();
    }
}
