using System.Security.Cryptography;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>The same backup scenarios on every kind of store, checked against the stored bytes.</summary>
[Collection(ServicesCollection.Name)]
public sealed class StoreScenarioTests(ServicesFixture services)
{
    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task BackupsAreStoredListedAndDecryptable(string kind)
    {
        using var context = new BackupTestContext(services, TestStores.Create(kind, services));
        var first = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        var second = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();

        var listed = context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $database").EnsureSuccess().Backups();
        Assert.Equal([second.Id, first.Id], listed.Select(b => b.Id));
        Assert.Equal([first.ArtifactName, first.ManifestName, second.ArtifactName, second.ManifestName], context.StoreFiles());

        var artifact = context.ReadThroughModule(second.ArtifactName);
        Assert.Equal(artifact, context.Store.ReadBytes(second.ArtifactName));
        Assert.Equal(second.StoredBytes, artifact.Length);
        Assert.Equal(second.Sha256, Convert.ToHexString(SHA256.HashData(artifact)).ToLowerInvariant());

        var encrypted = Path.GetTempFileName();
        var dump = encrypted + ".dump";
        try
        {
            await File.WriteAllBytesAsync(encrypted, artifact);
            await services.Keys.DecryptAsync(encrypted, dump);
            var contents = await ProcessRunner.RunAsync("pg_restore", ["--list", dump]);
            Assert.Contains("TABLE DATA public orders", contents.EnsureSuccess("pg_restore --list").Output);
        }
        finally
        {
            File.Delete(encrypted);
            File.Delete(dump);
        }
    }

    [Fact]
    public async Task AnUploadWhoseServerGoesAwayLeavesNoBackupAndALaterOneSucceeds()
    {
        using var context = new BackupTestContext(services, TestStores.Create(TestStores.S3, services));
        using var pgDump = new PausedPgClient(pauseSeconds: 3);
        using var shell = context.Session.CreateShell();
        shell.AddScript(BackupTestContext.BackupSeed + " -PgDumpPath $args[0]").AddArgument(pgDump.PathName);
        var running = await PausedPgClient.BeginUntilPhaseAsync(shell, "Dumping");
        services.S3.Stop();
        try
        {
            var output = shell.EndInvoke(running);
            Assert.Empty(output);
            var error = Assert.Single(shell.Streams.Error);
            Assert.StartsWith("S3RequestFailed,", error.FullyQualifiedErrorId);
            Assert.Contains("attempts", error.ToString());
        }
        finally
        {
            await services.S3.StartAgainAsync();
        }

        Assert.Empty(context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Output);
        Assert.DoesNotContain(context.StoreFiles(), n => n.EndsWith(".manifest.json", StringComparison.Ordinal));

        var later = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        Assert.Equal(later.Sha256, Convert.ToHexString(SHA256.HashData(context.Store.ReadBytes(later.ArtifactName))).ToLowerInvariant());
        Assert.Equal([later.Id], context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups().Select(b => b.Id));
    }

    [Fact]
    public void AnEnvironmentFileCanNameAnS3Store()
    {
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-env-s3-").FullName;
        var secretVariable = "OPSRUNBOOKS_TEST_S3_SECRET_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var passwordVariable = "OPSRUNBOOKS_TEST_PG_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var prefix = "env-" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(secretVariable, S3Service.SecretKey);
        Environment.SetEnvironmentVariable(passwordVariable, services.Postgres.Password);
        try
        {
            File.WriteAllText(Path.Combine(directory, "cloud.psd1"), $$"""
                @{
                    DatabaseServers = @{ main = @{ Host = '127.0.0.1'; Port = {{services.Postgres.Port}}; User = '{{services.Postgres.User}}'; Password = 'env:{{passwordVariable}}' } }
                    Databases = @( @{ Name = '{{services.Postgres.SeedDatabase}}' } )
                    Store = @{
                        S3Bucket = '{{S3Service.Bucket}}'; Prefix = '{{prefix}}'; Endpoint = '{{services.S3.Endpoint}}'
                        AccessKey = '{{S3Service.AccessKey}}'; SecretKey = 'env:{{secretVariable}}'
                        ChunkEncoding = $false; PartSizeMB = 5; StorageClass = 'STANDARD_IA'
                    }
                    EncryptionKey = '{{services.Keys.PublicKeyPath}}'
                }
                """);
            using var session = new EngineSession();
            var result = session.InvokeFile(RepositoryPaths.Combine("runbooks", "backup", "Invoke-NightlyBackup.ps1"),
                new System.Collections.Hashtable { ["Environment"] = "cloud", ["EnvironmentPath"] = directory }).EnsureSuccess();
            var backup = result.Backups().Single();
            var listed = session.Invoke("Get-DatabaseBackup -Environment (Get-OpsEnvironment cloud -Path $args[0])", directory).EnsureSuccess().Backups();
            Assert.Equal(backup.Id, listed.Single().Id);
            Assert.StartsWith($"s3://{S3Service.Bucket}/{prefix}/", listed.Single().Source.Properties["Store"].Value.ToString());
            var shown = session.Invoke("(Get-OpsEnvironment cloud -Path $args[0]).Store.ToString()", directory).EnsureSuccess().Output.Single().ToString();
            Assert.Equal($"s3://{S3Service.Bucket}/{prefix}/ at {services.S3.Endpoint}", shown);
        }
        finally
        {
            Environment.SetEnvironmentVariable(secretVariable, null);
            Environment.SetEnvironmentVariable(passwordVariable, null);
            Directory.Delete(directory, recursive: true);
        }
    }
}
