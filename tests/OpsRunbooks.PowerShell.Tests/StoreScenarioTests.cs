using System.Security.Cryptography;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>The same backup scenarios on every kind of store, checked against the stored bytes.</summary>
[Collection(ServicesCollection.Name)]
public sealed class StoreScenarioTests(ServicesFixture services)
{
    [Theory]
    [InlineData(StoreKind.Local)]
    [InlineData(StoreKind.S3)]
    public async Task BackupsAreStoredListedAndDecryptable(StoreKind kind)
    {
        using var context = new BackupTestContext(services, kind);
        var first = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        var second = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();

        var listed = context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $database").EnsureSuccess().Backups();
        Assert.Equal([second.Id, first.Id], listed.Select(b => b.Id));
        Assert.Equal([first.ArtifactName, first.ManifestName, second.ArtifactName, second.ManifestName], context.StoredNames());

        var artifact = context.ReadObject(second.ArtifactName);
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
        using var context = new BackupTestContext(services, StoreKind.S3);
        // A pg_dump that writes the dump and then keeps the upload open, so the server can be stopped mid-upload.
        var slowPgDump = Path.Combine(Path.GetTempPath(), "opsrunbooks-paused-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(slowPgDump, "#!/bin/bash\nif [ \"$1\" = --version ]; then exec pg_dump --version; fi\npg_dump \"$@\"\nsleep 3\n");
        File.SetUnixFileMode(slowPgDump, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            using var shell = context.Session.CreateShell();
            shell.AddScript(BackupTestContext.BackupSeed + " -PgDumpPath $args[0]").AddArgument(slowPgDump);
            var dumping = new TaskCompletionSource();
            shell.Streams.Progress.DataAdded += (_, e) =>
            {
                if (shell.Streams.Progress[e.Index].StatusDescription.StartsWith("Dumping", StringComparison.Ordinal)) dumping.TrySetResult();
            };
            var running = shell.BeginInvoke();
            await dumping.Task.WaitAsync(TimeSpan.FromSeconds(60));
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
            Assert.DoesNotContain(context.StoredNames(), n => n.EndsWith(".manifest.json", StringComparison.Ordinal));

            var later = context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
            Assert.Equal(later.Sha256, Convert.ToHexString(SHA256.HashData(context.ReadObject(later.ArtifactName))).ToLowerInvariant());
            Assert.Equal([later.Id], context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups().Select(b => b.Id));
        }
        finally
        {
            File.Delete(slowPgDump);
        }
    }
}
