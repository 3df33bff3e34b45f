using System.Security;
using OpsRunbooks.TestSupport;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>The kinds of store every store scenario runs against.</summary>
public enum StoreKind
{
    Local,
    S3,
}

/// <summary>
/// A fresh store (a temporary directory, or a unique prefix in the test S3 server's bucket) and an
/// engine session with $store, $credential, $key and server variables set.
/// </summary>
public sealed class BackupTestContext : IDisposable
{
    public BackupTestContext(ServicesFixture services, StoreKind kind = StoreKind.Local)
    {
        Services = services;
        Kind = kind;
        StorePath = Directory.CreateTempSubdirectory("opsrunbooks-store-").FullName;
        S3Prefix = "test-" + Guid.NewGuid().ToString("N")[..10];
        Session = new EngineSession();
        Session.SetVariable("server", services.Postgres.Host);
        Session.SetVariable("port", services.Postgres.Port);
        Session.SetVariable("database", services.Postgres.SeedDatabase);
        Session.SetVariable("credential", Credential(services.Postgres.User, services.Postgres.Password));
        Session.SetVariable("key", services.Keys.PublicKeyPath);
        if (kind == StoreKind.Local)
        {
            Session.Invoke("$store = New-BackupStore -Path $args[0]", StorePath).EnsureSuccess();
        }
        else
        {
            Session.SetVariable("s3Credential", Credential(S3Service.AccessKey, S3Service.SecretKey));
            Session.Invoke("$store = New-BackupStore -S3Bucket $args[0] -Prefix $args[1] -Endpoint $args[2] -Credential $s3Credential -DisableChunkEncoding -PartSize 5MB",
                S3Service.Bucket, S3Prefix, services.S3.Endpoint).EnsureSuccess();
        }
    }

    public StoreKind Kind { get; }
    public string S3Prefix { get; }

    /// <summary>The stored bytes of an object, read back through the store itself.</summary>
    public byte[] ReadObject(string name)
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

    /// <summary>The names of every object in the store (for S3: completed objects under this test's prefix).</summary>
    public IReadOnlyList<string> StoredNames() => Kind == StoreKind.Local
        ? StoreFiles()
        : Session.Invoke("$items = [System.Collections.Generic.List[string]]::new(); $e = $store.ListAsync('', [System.Threading.CancellationToken]::None).GetAsyncEnumerator([System.Threading.CancellationToken]::None); while ($e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) { $items.Add($e.Current.Name) }; $items")
            .EnsureSuccess().Output.Select(o => (string)o.BaseObject).Order().ToList();

    public ServicesFixture Services { get; }
    public PostgresService Postgres => Services.Postgres;
    public string StorePath { get; }
    public EngineSession Session { get; }

    public const string BackupSeed =
        "Invoke-DatabaseBackup -Server $server -Port $port -Database $database -Credential $credential -Store $store -EncryptionKey $key";

    public static System.Management.Automation.PSCredential Credential(string user, string password)
    {
        var secure = new SecureString();
        foreach (var c in password) secure.AppendChar(c);
        return new System.Management.Automation.PSCredential(user, secure);
    }

    /// <summary>Every file in the store, partial ones included, relative to it.</summary>
    public IReadOnlyList<string> StoreFiles() =>
        Directory.EnumerateFiles(StorePath, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(StorePath, f)).Order().ToList();

    public void Dispose()
    {
        Session.Dispose();
        Directory.Delete(StorePath, recursive: true);
    }
}
