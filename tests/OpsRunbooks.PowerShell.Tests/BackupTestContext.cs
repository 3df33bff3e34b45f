using System.Security;
using OpsRunbooks.TestSupport;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>A fresh store directory and an engine session with $credential, $store, $key and server variables set.</summary>
public sealed class BackupTestContext : IDisposable
{
    public BackupTestContext(ServicesFixture services)
    {
        Services = services;
        StorePath = Directory.CreateTempSubdirectory("opsrunbooks-store-").FullName;
        Session = new EngineSession();
        Session.SetVariable("server", services.Postgres.Host);
        Session.SetVariable("port", services.Postgres.Port);
        Session.SetVariable("database", services.Postgres.SeedDatabase);
        Session.SetVariable("credential", Credential(services.Postgres.User, services.Postgres.Password));
        Session.SetVariable("key", services.Keys.PublicKeyPath);
        Session.Invoke("$store = New-BackupStore -Path $args[0]", StorePath).EnsureSuccess();
    }

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
