using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

[Collection(ServicesCollection.Name)]
public sealed class EnvironmentTests : IDisposable
{
    private readonly ServicesFixture _services;
    private readonly TestEnvironment _environment;
    private readonly string _directory;
    private readonly string _passwordVariable;
    private readonly EngineSession _session = new();

    public EnvironmentTests(ServicesFixture services)
    {
        _services = services;
        _environment = new TestEnvironment(services);
        _directory = _environment.Directory;
        _passwordVariable = _environment.PasswordVariable;
        _session.SetVariable("environmentPath", _directory);
    }

    private string StorePath => Path.Combine(_directory, "store");

    [Fact]
    public void ReadsTheFileWithoutResolvingThePassword()
    {
        var environment = _session.Invoke("Get-OpsEnvironment -Name test -Path $environmentPath").EnsureSuccess().Output.Single();
        Assert.Equal("test", environment.Properties["Name"].Value);
        Assert.Equal(StorePath, environment.Properties["Store"].Value.ToString()!.Split(':', 2)[1]);
        const string everyValue = "$e = Get-OpsEnvironment -Name test -Path $environmentPath; $e.PSObject.Properties | ForEach-Object { \"$($_.Value)\" }; $e.DatabaseServers | ForEach-Object { $_.PSObject.Properties | ForEach-Object { \"$($_.Value)\" } }";
        var text = string.Join("\n", _session.Invoke(everyValue).EnsureSuccess().Output);
        Assert.Contains("env:" + _passwordVariable, text);
        Assert.DoesNotContain(_services.Postgres.Password, text);
        Assert.Contains("env:" + _passwordVariable, _session.Invoke("(Get-OpsEnvironment test -Path $environmentPath).DatabaseServers[0].Password.Reference").EnsureSuccess().Output.Single().ToString());
    }

    [Fact]
    public void BacksUpEverythingAnEnvironmentListsAndListsItFromTheSameStore()
    {
        var backup = _session.Invoke("Invoke-DatabaseBackup -Environment (Get-OpsEnvironment test -Path $environmentPath)").EnsureSuccess().Backups().Single();
        Assert.Equal(_services.Postgres.SeedDatabase, backup.Database);
        Assert.True(File.Exists(Path.Combine(StorePath, backup.ManifestName)));
        var listed = _session.Invoke("Get-DatabaseBackup -Environment (Get-OpsEnvironment test -Path $environmentPath)").EnsureSuccess().Backups();
        Assert.Equal(backup.Id, listed.Single().Id);
    }

    [Fact]
    public void AnEnvironmentNameIsFoundThroughTheEnvironmentPathVariable()
    {
        Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", _directory);
        try
        {
            var result = _session.Invoke("Invoke-DatabaseBackup -Environment test -WhatIf").EnsureSuccess();
            Assert.Empty(result.Output);
            Assert.False(Directory.Exists(StorePath));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", null);
        }
    }

    [Fact]
    public void AMissingPasswordVariableNamesTheFileAndKey()
    {
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        var error = _session.Invoke("Invoke-DatabaseBackup -Environment (Get-OpsEnvironment test -Path $environmentPath)").SingleError();
        Assert.StartsWith("EnvironmentReferenceMissing,", error.FullyQualifiedErrorId);
        Assert.Contains("test.psd1", error.ToString());
        Assert.Contains("DatabaseServers.primary.Password", error.ToString());
    }

    [Theory]
    [InlineData("@{ Name = (Get-Date) }", "only constant data")]
    [InlineData("@{ Name = 'x' ", "line 1")]
    [InlineData("@{ DatabaseServers = @{ db = @{ Host = 'h'; User = 'u'; Password = 'secret' } } }", "DatabaseServers.db.Password must be a reference")]
    [InlineData("@{ DatabaseServers = @{ db = @{ Host = 'h'; Port = 'eighty'; User = 'u'; Password = 'env:X' } } }", "DatabaseServers.db.Port")]
    [InlineData("@{ Databases = @( @{ Name = 'app'; Server = 'nowhere' } ) }", "Databases[0].Server")]
    [InlineData("Remove-Item /tmp/x; @{ }", "exactly one hashtable")]
    [InlineData("@{ Thresholds = @{ RetentionDaily = 'seven' } }", "Thresholds.RetentionDaily is 'seven'")]
    [InlineData("@{ Thresholds = @{ BackupMaximumAge = 'a day' } }", "Thresholds.BackupMaximumAge is 'a day'")]
    public void AMalformedFileIsRefusedNamingFileAndKey(string content, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "broken.psd1"), content);
        var error = _session.Invoke("Get-OpsEnvironment -Name broken -Path $environmentPath").SingleError();
        Assert.StartsWith("EnvironmentFileInvalid,", error.FullyQualifiedErrorId);
        Assert.Contains("broken.psd1", error.ToString());
        Assert.Contains(expected, error.ToString());
    }

    [Theory]
    [InlineData("@{ Tresholds = @{ RetentionDaily = 1 } }", "Tresholds is not a known key; did you mean Thresholds?")]
    [InlineData("@{ Thresholds = @{ RetentionDialy = 1 } }", "Thresholds.RetentionDialy is not a known key; did you mean RetentionDaily?")]
    [InlineData("@{ EncyptionKey = 'backup.pub.asc' }", "EncyptionKey is not a known key; did you mean EncryptionKey?")]
    [InlineData("@{ Store = @{ S3Bucket = 'b'; Endpiont = 'http://127.0.0.1:9000' } }", "Store.Endpiont is not a known key; did you mean Endpoint?")]
    public void AMisspelledKeyIsRefusedNamingTheNearestKnownKey(string content, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "typo.psd1"), content);
        var error = _session.Invoke("Get-OpsEnvironment -Name typo -Path $environmentPath").SingleError();
        Assert.StartsWith("EnvironmentKeyUnknown,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("typo.psd1", error.ToString());
        Assert.Contains(expected, error.ToString());
    }

    [Fact]
    public void AnUnknownEnvironmentListsTheKnownOnes()
    {
        var error = _session.Invoke("Get-OpsEnvironment -Name staging -Path $environmentPath").SingleError();
        Assert.StartsWith("EnvironmentNotFound,", error.FullyQualifiedErrorId);
        Assert.Contains("test", error.ToString());
    }

    [Fact]
    public void TheShippedEnvironmentFilesAreValid()
    {
        var variables = new Dictionary<string, string>(_services.Postgres.ClientEnvironment()) { ["OPSRUNBOOKS_BACKUP_KEY"] = _services.Keys.PublicKeyPath };
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(name, value);
        try
        {
            var names = _session.Invoke("Get-OpsEnvironment -Name local, production.example -Path $args[0]",
                RepositoryPaths.Combine("runbooks", "environments"));
            Assert.Equal(["local", "production"], names.EnsureSuccess().Output.Select(o => (string)o.Properties["Name"].Value));
        }
        finally
        {
            foreach (var name in variables.Keys) Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void NightlyBackupRunbookBacksUpEveryDatabase()
    {
        var runbook = RepositoryPaths.Combine("runbooks", "backup", "Invoke-NightlyBackup.ps1");
        var result = _session.InvokeFile(runbook, new System.Collections.Hashtable { ["Environment"] = "test", ["EnvironmentPath"] = _directory, ["Verbose"] = true })
            .EnsureSuccess();
        Assert.Equal(_services.Postgres.SeedDatabase, result.Backups().Single().Database);
        Assert.Contains(result.Verbose, v => v.Message.Contains("Backing up", StringComparison.Ordinal));

        var whatIf = _session.InvokeFile(runbook, new System.Collections.Hashtable { ["Environment"] = "test", ["EnvironmentPath"] = _directory, ["WhatIf"] = true })
            .EnsureSuccess();
        Assert.Empty(whatIf.Output);
        Assert.Single(Directory.EnumerateFiles(StorePath, "*.manifest.json", SearchOption.AllDirectories));
    }

    public void Dispose()
    {
        _session.Dispose();
        _environment.Dispose();
    }
}
