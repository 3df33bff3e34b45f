using System.Security.Cryptography;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

[Collection(ServicesCollection.Name)]
public sealed class BackupTests(ServicesFixture services) : IDisposable
{
    private readonly BackupTestContext _context = new(services);

    [Fact]
    public async Task BackupDecryptsWithGpgAndRestoresWithTheSameRowCounts()
    {
        var result = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess();
        var record = result.Backups().Single();

        Assert.Equal(120000, record.TableRowCounts["public.orders"]);
        Assert.Equal(5000, record.TableRowCounts["audit.events"]);
        Assert.Equal("15", record.ServerVersion.Split('.')[0]);
        Assert.True(record.FinishedUtc >= record.StartedUtc);
        Assert.Contains(result.Progress, p => p.StatusDescription.Contains("MiB dumped", StringComparison.Ordinal));

        var artifact = Path.Combine(_context.StorePath, record.ArtifactName);
        Assert.Equal(record.StoredBytes, new FileInfo(artifact).Length);
        Assert.Equal(record.Sha256, Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(artifact))).ToLowerInvariant());

        var dump = Path.Combine(_context.StorePath, "restored.dump");
        await services.Keys.DecryptAsync(artifact, dump);
        Assert.Equal(record.DumpBytes, new FileInfo(dump).Length);

        var restored = "restored_" + Guid.NewGuid().ToString("N")[..8];
        await _context.Postgres.CreateDatabaseAsync(restored);
        try
        {
            (await ProcessRunner.RunAsync("pg_restore", ["--exit-on-error", "--no-owner", "--dbname", restored, dump],
                _context.Postgres.ClientEnvironment(restored))).EnsureSuccess("pg_restore");
            foreach (var (table, count) in record.TableRowCounts)
            {
                Assert.Equal(count.ToString(), await _context.Postgres.QueryAsync($"SELECT count(*) FROM {table}", restored));
                Assert.Equal(count.ToString(), await _context.Postgres.QueryAsync($"SELECT count(*) FROM {table}"));
            }
            Assert.Equal("2000", await _context.Postgres.QueryAsync("SELECT count(*) FROM order_totals", restored));
            Assert.Equal(
                await _context.Postgres.QueryAsync("SELECT md5(string_agg(md5(content), '' ORDER BY id)) FROM documents"),
                await _context.Postgres.QueryAsync("SELECT md5(string_agg(md5(content), '' ORDER BY id)) FROM documents", restored));
            Assert.Equal(
                await _context.Postgres.QueryAsync("SELECT last_value FROM invoice_number_seq"),
                await _context.Postgres.QueryAsync("SELECT last_value FROM invoice_number_seq", restored));
        }
        finally
        {
            await _context.Postgres.DropDatabaseAsync(restored);
        }
    }

    [Fact]
    public async Task TamperingOneByteChangesTheChecksum()
    {
        var record = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        var artifact = Path.Combine(_context.StorePath, record.ArtifactName);
        var bytes = await File.ReadAllBytesAsync(artifact);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(artifact, bytes);
        Assert.NotEqual(record.Sha256, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
    }

    [Fact]
    public void WhatIfRunsNothing()
    {
        var result = _context.Session.Invoke(BackupTestContext.BackupSeed + " -WhatIf").EnsureSuccess();
        Assert.Empty(result.Output);
        Assert.Empty(_context.StoreFiles());
    }

    [Fact]
    public void WrongPasswordIsAnAuthenticationError()
    {
        _context.Session.SetVariable("credential", BackupTestContext.Credential(_context.Postgres.User, "not-the-password"));
        var error = _context.Session.Invoke(BackupTestContext.BackupSeed).SingleError();
        Assert.StartsWith("AuthenticationFailed,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain("not-the-password", error.ToString());
        Assert.Empty(_context.StoreFiles());
    }

    [Fact]
    public void RefusedConnectionIsAConnectionError()
    {
        _context.Session.SetVariable("port", FreePort());
        var error = _context.Session.Invoke(BackupTestContext.BackupSeed).SingleError();
        Assert.StartsWith("ConnectionFailed,", error.FullyQualifiedErrorId);
        Assert.Contains("Could not connect", error.ToString());
        Assert.Empty(_context.StoreFiles());
    }

    [Fact]
    public void MissingPgDumpIsReported()
    {
        var error = _context.Session.Invoke(BackupTestContext.BackupSeed + " -PgDumpPath /nonexistent/pg_dump").SingleError();
        Assert.StartsWith("PgDumpNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Empty(_context.StoreFiles());
    }

    [Fact]
    public void PgDumpOlderThanTheServerIsRefused()
    {
        var oldPgDump = Path.Combine(_context.StorePath, "..", $"old-pg_dump-{Guid.NewGuid():N}");
        File.WriteAllText(oldPgDump, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n");
        File.SetUnixFileMode(oldPgDump, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            var error = _context.Session.Invoke(BackupTestContext.BackupSeed + " -PgDumpPath $args[0]", oldPgDump).SingleError();
            Assert.StartsWith("PgDumpTooOld,", error.FullyQualifiedErrorId);
            Assert.Contains("11.22", error.ToString());
            Assert.Empty(_context.StoreFiles());
        }
        finally
        {
            File.Delete(oldPgDump);
        }
    }

    [Fact]
    public void MissingEncryptionKeyIsReportedBeforeAnythingRuns()
    {
        var error = _context.Session.Invoke(BackupTestContext.BackupSeed.Replace("$key", "/nonexistent/key.asc")).SingleError();
        Assert.StartsWith("EncryptionKeyNotFound,", error.FullyQualifiedErrorId);
        Assert.Empty(_context.StoreFiles());
    }

    [Fact]
    public void ListingIsNewestFirstAndIgnoresArtifactsWithoutManifest()
    {
        var first = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        var second = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        var third = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();

        var listed = _context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Backups().Select(r => r.Id).ToList();
        Assert.Equal([third.Id, second.Id, first.Id], listed);
        Assert.Equal([third.Id], _context.Session.Invoke("$store | Get-DatabaseBackup -Newest 1").EnsureSuccess().Backups().Select(r => r.Id));
        Assert.Empty(_context.Session.Invoke("Get-DatabaseBackup -Store $store -Database other").EnsureSuccess().Output);

        File.Delete(Path.Combine(_context.StorePath, second.ManifestName));
        File.WriteAllText(Path.Combine(_context.StorePath, first.ManifestName), "{ not json");
        var result = _context.Session.Invoke("Get-DatabaseBackup -Store $store -Database $database");
        Assert.Equal([third.Id], result.Backups().Select(r => r.Id));
        Assert.StartsWith("ManifestMalformed,", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public async Task StoppingABackupKillsPgDumpAndLeavesNothingListed()
    {
        using var pgDump = new PausedPgClient(pauseSeconds: 300);
        using var shell = _context.Session.CreateShell();
        shell.AddScript(BackupTestContext.BackupSeed + " -PgDumpPath $args[0]").AddArgument(pgDump.PathName);
        var running = await PausedPgClient.BeginUntilPhaseAsync(shell, "Dumping");
        await Task.Delay(1500);
        Assert.True(pgDump.RunningProcesses().Any(), "the paused pg_dump should still run");

        await Task.Factory.FromAsync(shell.BeginStop(null, null), shell.EndStop).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Throws<System.Management.Automation.PipelineStoppedException>(() => shell.EndInvoke(running));

        Assert.Empty(pgDump.RunningProcesses());
        Assert.Empty(_context.StoreFiles());
        Assert.Empty(_context.Session.Invoke("Get-DatabaseBackup -Store $store").EnsureSuccess().Output);
    }

    [Theory]
    [InlineData(1, "PgDumpFailed")]
    [InlineData(0, "DumpArchiveUnreadable")]
    public void ADumpThatStopsShortFailsWithPgDumpsOwnErrorAndLeavesNothingListed(int exitCode, string errorId)
    {
        // The real pg_dump, its archive cut off mid-data as when its connection breaks.
        var pgDump = Path.Combine(Path.GetTempPath(), "opsrunbooks-short-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(pgDump,
            "#!/bin/bash\n" +
            "if [ \"$1\" = --version ]; then exec pg_dump --version; fi\n" +
            "pg_dump \"$@\" | head -c 300000\n" +
            "echo 'pg_dump: error: Dumping the contents of table \"orders\" failed: server closed the connection unexpectedly' >&2\n" +
            $"exit {exitCode}\n");
        File.SetUnixFileMode(pgDump, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            var result = _context.Session.Invoke(BackupTestContext.BackupSeed + $" -PgDumpPath '{pgDump}'");

            var error = Assert.Single(result.Errors);
            Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
            if (exitCode != 0) Assert.Contains("server closed the connection unexpectedly", error.Exception.Message);
            Assert.Empty(result.Backups());
            Assert.Empty(_context.StoreFiles());
        }
        finally
        {
            File.Delete(pgDump);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _context.Dispose();
}
