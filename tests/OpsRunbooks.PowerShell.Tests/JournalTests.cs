using System.Management.Automation;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// The operations log through the cmdlets: one entry per state-changing call in the file and in the PostgreSQL
/// table of the real server, none under -WhatIf, no secret anywhere; sinks and channels that are down never fail
/// the operation.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class JournalTests(ServicesFixture services) : IAsyncLifetime
{
    private readonly string _table = "oplog_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _restored = "journal_restored_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _webhookVariable = "OPSRUNBOOKS_TEST_WEBHOOK_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private const string MissingDatabase = "journal_no_such_db";
    private const string WebhookSecret = "T0/B0/journal-webhook-s3cr3t";
    private readonly TestHttpListener _listener = new();
    private BackupTestContext? _context;

    public Task InitializeAsync() => Task.CompletedTask;

    private TestEnvironment NewEnvironment(string journal, string? moreServers = null) => new(services,
        databases: [services.Postgres.SeedDatabase, MissingDatabase], decryptionKey: services.Keys.PrivateKeyPath, journal: journal, moreServers: moreServers,
        storeEntry: $"@{{ Path = {TestStores.Quote(_context!.StorePath)} }}");

    [Fact]
    public async Task EachStateChangingCallRecordsOneEntryInTheFileAndTheTableAndWhatIfNone()
    {
        _context = new BackupTestContext(services);
        var session = _context.Session;
        using var environment = NewEnvironment(
            $"@{{ Path = 'log/operations.jsonl'; DatabaseServer = 'primary'; Database = 'postgres'; Table = '{_table}' }}");
        var logPath = Path.Combine(environment.Directory, "log", "operations.jsonl");
        session.SetVariable("seed", services.Postgres.SeedDatabase);
        session.SetVariable("restored", _restored);
        System.Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", environment.Directory);
        System.Environment.SetEnvironmentVariable("OPSRUNBOOKS_RUN_ID", "run-42");
        var results = new List<EngineResult>();
        try
        {
            EngineResult Run(string script, bool succeeds = true)
            {
                var result = session.Invoke(script);
                results.Add(result);
                return succeeds ? result.EnsureSuccess() : result;
            }

            Run("Invoke-DatabaseBackup -Environment test -Database $seed -WhatIf");
            Assert.False(File.Exists(logPath), "-WhatIf recorded an entry");

            Run("$backup = Invoke-DatabaseBackup -Environment test -Database $seed; $backup");
            Run("$backup | Test-BackupIntegrity -Environment test -RestoreTest -WhatIf");
            Run("$backup | Restore-DatabaseBackup -Environment test -TargetDatabase $restored -WhatIf");
            Run("$backup | Test-BackupIntegrity -Environment test");
            Run("$backup | Test-BackupIntegrity -Environment test -RestoreTest");
            Run("$backup | Restore-DatabaseBackup -Environment test -TargetDatabase $restored -Confirm:$false");
            var failed = Run($"Invoke-DatabaseBackup -Environment test -Database {MissingDatabase}", succeeds: false);
            Assert.Equal("DatabaseNotFound", failed.SingleError().FullyQualifiedErrorId.Split(',')[0]);
            Run("$backup | Remove-DatabaseBackup -WhatIf");
            Run("$backup | Remove-DatabaseBackup -Confirm:$false");

            var entries = Run("Get-OperationLog -Environment test").Output;
            Assert.Equal(["BackupRemoval", "DatabaseBackup", "DatabaseRestore", "RestoreTest", "DatabaseBackup"],
                entries.Select(e => (string)e.Properties["Operation"].Value));
            Assert.Equal(["Succeeded", "Failed", "Succeeded", "Succeeded", "Succeeded"], entries.Select(e => e.Properties["Outcome"].Value.ToString()));
            Assert.All(entries, e => Assert.Equal(("test", "run-42"), ((string)e.Properties["Environment"].Value, (string)e.Properties["RunId"].Value)));
            var backupEntry = entries[^1];
            var figures = (System.Collections.Generic.IReadOnlyDictionary<string, object>)backupEntry.Properties["Figures"].Value;
            Assert.Equal(["BackupId", "DumpBytes", "StoredBytes", "Tables", "Rows", "DurationSeconds"], figures.Keys);
            Assert.Equal("DatabaseNotFound", entries[1].Properties["ErrorId"].Value);

            var failures = Run("Get-OperationLog -Environment test -Outcome Failed -Since (Get-Date).AddMinutes(-10)").Output;
            Assert.Equal(MissingDatabase, ((string)Assert.Single(failures).Properties["Target"].Value).Split(' ')[0]);
            Assert.Equal(2, Run("Get-OperationLog -Environment test -Operation *Backup -First 5").Output.Count);
            Assert.Single(Run("Get-OperationLog -Environment test -Operation *Backup -Target \"$seed*\"").Output);

            var rows = await services.Postgres.QueryAsync(
                $"SELECT operation_type || ' ' || status || ' ' || coalesce(error_id, '-') FROM {_table} ORDER BY id", "postgres");
            Assert.Equal("database_backup success -\nrestore_test success -\ndatabase_restore success -\ndatabase_backup failure DatabaseNotFound\nbackup_removal success -", rows);
            var fromTable = Run("Get-OperationLog -Environment test -Source Database").Output;
            Assert.Equal(entries.Select(e => e.Properties["Id"].Value), fromTable.Select(e => e.Properties["Id"].Value));

            // No password or key reaches the log file, the table, any output, warning or error.
            var everything = new List<string> { File.ReadAllText(logPath), await services.Postgres.QueryAsync($"SELECT string_agg(t::text, ' ') FROM {_table} t", "postgres") };
            foreach (var result in results)
            {
                session.SetVariable("objects", result.Output);
                everything.AddRange(session.Invoke("$objects | ConvertTo-Json -Depth 4 -WarningAction Ignore").Output.Select(o => o.ToString()));
                everything.AddRange(result.Errors.Select(e => e.ToString()).Concat(result.Warnings.Select(w => w.Message)));
            }
            var privateKey = File.ReadAllLines(services.Keys.PrivateKeyPath).Where(l => l.Length > 40).Take(3).ToList();
            foreach (var text in everything)
            {
                Assert.DoesNotContain(services.Postgres.Password, text);
                Assert.All(privateKey, line => Assert.DoesNotContain(line, text));
            }
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", null);
            System.Environment.SetEnvironmentVariable("OPSRUNBOOKS_RUN_ID", null);
        }
    }

    [Fact]
    public void TheTableGivesTheEntriesTheFileGivesForEachFilter()
    {
        _context = new BackupTestContext(services);
        var session = _context.Session;
        using var environment = NewEnvironment($"@{{ Path = 'operations.jsonl'; DatabaseServer = 'primary'; Database = 'postgres'; Table = '{_table}' }}");
        session.SetVariable("environment", environment.Directory);
        session.Invoke("$test = Get-OpsEnvironment test -Path $environment").EnsureSuccess();
        (string Operation, string Target, string Outcome)[] written =
        [
            ("DatabaseBackup", "orders on db1:5432", "Succeeded"),
            ("DatabaseBackup", "Orders_archive on db1:5432", "Failed"),
            ("BackupRemoval", "backup [2026].v1", "Succeeded"),
            ("DatabaseRestore", "a*b?c `tick` on db2", "Cancelled"),
            ("RestoreTest", "orders.copy on 10.0.0.1:5432", "Succeeded"),
            ("WorkerScale", "queue|jobs (x+y)^2 $end \\n", "Failed"),
            ("databasebackup", "ORDERS on db3", "Succeeded"),
            ("LeftoverRemoval", "db-1 café", "Cancelled"),
        ];
        var finished = written.Select(e => (DateTime)session.Invoke("(Write-OperationLog -Environment $test $args[0] $args[1] -Outcome $args[2] -PassThru).FinishedAt",
            e.Operation, e.Target, e.Outcome).EnsureSuccess().Output.Single().BaseObject).ToList();
        // At a microsecond, the table's precision: a finish time between two ticks of one microsecond is the file's alone.
        session.SetVariable("since", new DateTime(finished[3].Ticks - finished[3].Ticks % TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc));

        (string Filter, int Count)[] filters =
        [
            ("", 8),
            ("-Operation DatabaseBackup", 3),
            ("-Operation *Backup, Restore*", 4),
            ("-Operation database?ackup, [L-M]*", 4),
            ("-Operation DATABASE[A-C]ACKUP -Target 'ORDERS*'", 3),
            ("-Target 'orders*'", 4),
            ("-Target '*[0-9]:5432'", 3),
            ("-Target 'a`*b`?c ``tick``*'", 1),
            ("-Target 'a*b?c*'", 1),
            ("-Target '*(x+y)^2 $end \\n'", 1),
            ("-Target 'backup `[2026`]*'", 1),
            ("-Target 'backup [[]2026]*'", 1),
            ("-Target '*[]]*'", 1),
            ("-Target '*[.|]*'", 3),
            ("-Target '*CAFÉ'", 1),
            ("-Target '?b-1*'", 1),
            ("-Outcome Failed, Cancelled", 4),
            ("-Since $since", 5),
            ("-Since $since -Outcome Succeeded -Operation *e* -First 2", 2),
            ("-First 3", 3),
        ];
        foreach (var (filter, count) in filters)
        {
            var fromFile = session.Invoke($"Get-OperationLog -Environment $test {filter}").EnsureSuccess().Output.Select(e => (string)e.Properties["Target"].Value).ToList();
            var fromTable = session.Invoke($"Get-OperationLog -Environment $test -Source Database {filter}").EnsureSuccess().Output.Select(e => (string)e.Properties["Target"].Value).ToList();
            Assert.True(count == fromFile.Count, $"{filter}: the file gave {fromFile.Count} entries, not {count}: {string.Join(" | ", fromFile)}");
            Assert.True(fromFile.SequenceEqual(fromTable), $"{filter}: the file gave {string.Join(" | ", fromFile)}; the table {string.Join(" | ", fromTable)}");
        }

        // Select-Object stops the reading after its entries; the session goes back to the pool for the next entry.
        var newest = session.Invoke("Get-OperationLog -Environment $test -Source Database | Select-Object -First 2").EnsureSuccess().Output;
        Assert.Equal(["db-1 café", "ORDERS on db3"], newest.Select(e => (string)e.Properties["Target"].Value));
        session.Invoke("Write-OperationLog -Environment $test DatabaseBackup last").EnsureSuccess();
        Assert.Equal("last", session.Invoke("Get-OperationLog -Environment $test -Source Database -First 1").EnsureSuccess().Output.Single().Properties["Target"].Value);

        foreach (var source in new[] { "File", "Database" })
            Assert.IsType<WildcardPatternException>(session.Invoke($"Get-OperationLog -Environment $test -Source {source} -Target 'backup [2026'").SingleError().Exception);
    }

    [Fact]
    [Trait("Category", "Fault")]
    public void ASinkOrChannelThatIsDownWarnsAndNeverFailsTheOperation()
    {
        _context = new BackupTestContext(services);
        var session = _context.Session;
        var downPort = TestHttpListener.FreePort();
        System.Environment.SetEnvironmentVariable(_webhookVariable, $"http://127.0.0.1:{downPort}/services/{WebhookSecret}");
        using var environment = NewEnvironment($$"""
            @{
                    Path = 'operations.jsonl'; DatabaseServer = 'down'; Database = 'postgres'
                    Notifications = @{
                        hook = @{ Type = 'Webhook'; Url = '{{_listener.Url}}/hook'; On = 'Always'; RetryDelay = '00:00:00.05' }
                        chat = @{ Type = 'Slack'; Url = 'env:{{_webhookVariable}}'; On = 'Failure'; Attempts = 2; RetryDelay = '00:00:00.05' }
                    }
                }
            """, // Nothing listens on the down server's port, so its password is never sent: any variable that is set will do.
            moreServers: $"down = @{{ Host = '127.0.0.1'; Port = {downPort}; User = 'nobody'; Password = 'env:{_webhookVariable}' }}");
        session.SetVariable("environment", environment.Directory);
        session.SetVariable("seed", services.Postgres.SeedDatabase);
        try
        {
            var backup = session.Invoke("Invoke-DatabaseBackup -Environment (Get-OpsEnvironment test -Path $environment) -Database $seed").EnsureSuccess();
            Assert.Single(backup.Backups());
            Assert.Contains(backup.Warnings, w => w.Message.Contains("operations log table could not be written") && w.Message.Contains("operations.jsonl"));
            var failed = session.Invoke($"Invoke-DatabaseBackup -Environment (Get-OpsEnvironment test -Path $environment) -Database {MissingDatabase}");
            Assert.Equal("DatabaseNotFound", failed.SingleError().FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains(failed.Warnings, w => w.Message.Contains("'chat' (Slack) was not reached after 2 attempt(s)"));

            Assert.Equal(["/hook", "/hook"], _listener.Requests.Select(r => r.Path));
            Assert.Contains("\"outcome\":\"Failed\"", _listener.Requests.Last().Body);

            var sent = session.Invoke("Send-OpsNotification -Environment (Get-OpsEnvironment test -Path $environment) -Message 'drill done' -Severity Critical -Channel hook, chat");
            Assert.Empty(sent.Errors);
            Assert.Equal([true, false], sent.Output.Select(o => (bool)o.Properties["Delivered"].Value));
            Assert.Contains("\"severity\":\"Critical\"", _listener.Requests.Last().Body);

            var unknown = session.Invoke("Send-OpsNotification -Environment (Get-OpsEnvironment test -Path $environment) -Message x -Channel pager");
            Assert.Equal("NotificationChannelUnknown", unknown.SingleError().FullyQualifiedErrorId.Split(',')[0]);

            var entries = session.Invoke("Get-OperationLog -Environment (Get-OpsEnvironment test -Path $environment)").EnsureSuccess().Output;
            Assert.Equal(2, entries.Count);
            var everything = string.Join("\n", new[] { File.ReadAllText(Path.Combine(environment.Directory, "operations.jsonl")) }
                .Concat(new[] { backup, failed, sent }.SelectMany(r => r.Warnings.Select(w => w.Message).Concat(r.Errors.Select(e => e.ToString())))));
            Assert.DoesNotContain(WebhookSecret, everything);
            Assert.DoesNotContain(services.Postgres.Password, everything);
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(_webhookVariable, null);
        }
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        _context?.Dispose();
        await services.Postgres.DropDatabaseAsync(_restored);
        await services.Postgres.QueryAsync($"DROP TABLE IF EXISTS {_table}", "postgres");
    }
}
