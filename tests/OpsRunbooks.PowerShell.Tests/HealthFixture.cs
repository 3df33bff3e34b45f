using System.Security.Cryptography.X509Certificates;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// The servers the health tests check, besides the shared PostgreSQL: health endpoints, TLS endpoints whose
/// certificates (from a test certificate authority) are valid, expiring or wrong, and an SSH server for remote disks.
/// </summary>
public sealed class HealthFixture : IAsyncLifetime
{
    public HealthHttpServer Http { get; } = new();
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("opsrunbooks-health-").FullName;
    public string AuthorityPem => Path.Combine(Directory, "test-ca.pem");
    public string KnownHosts => Path.Combine(Directory, "known_hosts");

    public TlsTestServer ValidTls { get; private set; } = null!;
    public TlsTestServer ExpiringTls { get; private set; } = null!;
    public TlsTestServer AlmostExpiredTls { get; private set; } = null!;
    public TlsTestServer WrongNameTls { get; private set; } = null!;
    public TlsTestServer SelfSignedTls { get; private set; } = null!;
    public SshService Ssh { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var ssh = SshService.StartAsync();
        using X509Certificate2 authority = TlsTestServer.CreateAuthority();
        TlsTestServer.WritePem(authority, AuthorityPem);
        var now = DateTimeOffset.UtcNow;
        ValidTls = new TlsTestServer(TlsTestServer.CreateCertificate("localhost", now.AddDays(90), authority));
        ExpiringTls = new TlsTestServer(TlsTestServer.CreateCertificate("localhost", now.AddDays(20), authority));
        AlmostExpiredTls = new TlsTestServer(TlsTestServer.CreateCertificate("localhost", now.AddDays(3), authority));
        WrongNameTls = new TlsTestServer(TlsTestServer.CreateCertificate("other.example", now.AddDays(90), authority));
        SelfSignedTls = new TlsTestServer(TlsTestServer.CreateCertificate("localhost", now.AddDays(90)));
        Ssh = await ssh;
        File.WriteAllText(KnownHosts, Ssh.KnownHostsLine + "\n");
    }

    public async Task DisposeAsync()
    {
        await Http.DisposeAsync();
        foreach (var server in new[] { ValidTls, ExpiringTls, AlmostExpiredTls, WrongNameTls, SelfSignedTls })
            if (server is not null) await server.DisposeAsync();
        if (Ssh is not null) await Ssh.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>A HealthCheckResult as the engine returns it.</summary>
public sealed record HealthView(string Check, string Target, string Status, string Reason, System.Collections.IDictionary Measured)
{
    public HealthView(System.Management.Automation.PSObject result) : this(
        (string)result.Properties["Check"].Value, (string)result.Properties["Target"].Value, result.Properties["Status"].Value.ToString()!,
        (string)result.Properties["Reason"].Value, (System.Collections.IDictionary)result.Properties["Measured"].Value)
    {
    }

    public override string ToString() => $"{Check} {Target}: {Status} ({Reason})";
}

/// <summary>A small tmpfs mounted for one test and unmounted after it, to fill to a given share.</summary>
public sealed class SmallFileSystem : IAsyncDisposable
{
    private SmallFileSystem(string path) => Path = path;

    public string Path { get; }

    public static async Task<SmallFileSystem> MountAsync(string options)
    {
        var path = System.IO.Directory.CreateTempSubdirectory("opsrunbooks-disk-").FullName;
        (await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", path])).EnsureSuccess("mount -t tmpfs");
        return new SmallFileSystem(path);
    }

    /// <summary>Writes a file of <paramref name="bytes"/> bytes.</summary>
    public void Fill(string name, long bytes)
    {
        using var file = File.Create(System.IO.Path.Combine(Path, name));
        file.Write(new byte[bytes]);
    }

    public void CreateEmptyFiles(int count)
    {
        for (var i = 0; i < count; i++) File.Create(System.IO.Path.Combine(Path, $"empty-{Guid.NewGuid():N}")).Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        (await ProcessRunner.RunAsync("umount", [Path])).EnsureSuccess("umount");
        System.IO.Directory.Delete(Path);
    }
}
