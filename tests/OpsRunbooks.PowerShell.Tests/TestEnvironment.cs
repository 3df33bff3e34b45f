using System.Globalization;
using OpsRunbooks.TestSupport;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// An environment file &lt;name&gt;.psd1 in a directory of its own, for the test server: its password by
/// reference to an environment variable set for the test, the given databases, store and thresholds, and
/// optionally a decryption key with the same server for restore tests, a Journal section and more DatabaseServers entries.
/// </summary>
public sealed class TestEnvironment : IDisposable
{
    public TestEnvironment(ServicesFixture services, string name = "test", string storeEntry = "@{ Path = 'store' }",
        IEnumerable<string>? databases = null, IReadOnlyDictionary<string, object>? thresholds = null, string? decryptionKey = null,
        string? journal = null, string? moreServers = null)
    {
        Name = name;
        Environment.SetEnvironmentVariable(PasswordVariable, services.Postgres.Password);
        var databaseEntries = string.Join("; ", (databases ?? [services.Postgres.SeedDatabase]).Select(d => $"@{{ Name = {TestStores.Quote(d)}; Server = 'primary' }}"));
        var thresholdEntries = string.Join("; ", (thresholds ?? new Dictionary<string, object> { ["BackupMaximumAge"] = "1.00:00:00" })
            .Select(t => $"{t.Key} = {(t.Value is string text ? TestStores.Quote(text) : Convert.ToString(t.Value, CultureInfo.InvariantCulture))}"));
        File.WriteAllText(System.IO.Path.Combine(Directory, name + ".psd1"), $$"""
            # A test environment: the seeded server, a store, thresholds.
            @{
                Name = '{{name}}'
                DatabaseServers = @{
                    primary = @{ Host = '{{services.Postgres.Host}}'; Port = {{services.Postgres.Port}}; User = '{{services.Postgres.User}}'; Password = 'env:{{PasswordVariable}}' }
                    {{moreServers}}
                }
                Databases = @( {{databaseEntries}} )
                Store = {{storeEntry}}
                EncryptionKey = '{{services.Keys.PublicKeyPath}}'
                {{(decryptionKey is null ? "" : $"DecryptionKey = {TestStores.Quote(decryptionKey)}; RestoreTestServer = 'primary'")}}
                Thresholds = @{ {{thresholdEntries}} }
                {{(journal is null ? "" : $"Journal = {journal}")}}
            }
            """);
    }

    public string Name { get; }
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("opsrunbooks-env-").FullName;
    public string PasswordVariable { get; } = "OPSRUNBOOKS_TEST_PGPASSWORD_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    /// <summary>The parameters a runbook is run with for this environment.</summary>
    public System.Collections.Hashtable RunbookParameters(params (string Name, object Value)[] more)
    {
        var parameters = new System.Collections.Hashtable { ["Environment"] = Name, ["EnvironmentPath"] = Directory };
        foreach (var (key, value) in more) parameters[key] = value;
        return parameters;
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, null);
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
