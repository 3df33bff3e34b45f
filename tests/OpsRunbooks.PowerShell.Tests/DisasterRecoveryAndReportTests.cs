using System.Management.Automation;
using System.Text.Json;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// The disaster-recovery drill against the real PostgreSQL 15 and store, what it leaves in the operations log,
/// the restore evidence read back from it, and the operations report as real headless Chromium renders it.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class DisasterRecoveryAndReportTests(ServicesFixture services) : IAsyncLifetime
{
    private static readonly string Drill = RepositoryPaths.Combine("runbooks", "recovery", "Invoke-DisasterRecoveryTest.ps1");
    private readonly string _database = "drill_" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IDisposable> _disposables = [];
    private EngineSession? _session;

    private EngineSession Session => _session ?? throw new InvalidOperationException("Not initialized.");
    private PostgresService Postgres => services.Postgres;

    public async Task InitializeAsync()
    {
        await Postgres.CreateDatabaseAsync(_database);
        await Postgres.QueryAsync("CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 3)", _database);
        _session = new EngineSession();
    }

    /// <summary>A test environment with the drill database and one never backed up, its own operations log, and more settings.</summary>
    private TestEnvironment Environment(string more = "")
    {
        var store = new LocalTestStore();
        _disposables.Add(store);
        var environment = new TestEnvironment(services, storeEntry: store.EnvironmentEntry, databases: [_database, "never_backed_up"],
            decryptionKey: services.Keys.PrivateKeyPath, journal: "@{ Path = 'operations.jsonl' }");
        _disposables.Add(environment);
        var file = Path.Combine(environment.Directory, environment.Name + ".psd1");
        var text = File.ReadAllText(file).TrimEnd();
        File.WriteAllText(file, text[..^1] + $"    {more}\n}}\n");
        return environment;
    }

    private static List<JsonElement> Entries(TestEnvironment environment, string operation) =>
        [.. File.ReadAllLines(Path.Combine(environment.Directory, "operations.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("operation").GetString() == operation)];

    [Fact]
    public async Task TheDrillRestoresUnderADrillNameLogsItsRtoAndRpoAndTheEvidenceAndReportShowIt()
    {
        var environment = Environment();
        var result = Session.InvokeFile(Drill, environment.RunbookParameters(("Database", _database),
            ("VerificationQuery", new[] { "SELECT count(*) = 3 FROM t" }))).EnsureSuccess();

        var drill = Assert.Single(result.Output);
        Assert.True((bool)drill.Properties["Passed"].Value);
        var rto = (TimeSpan)drill.Properties["Rto"].Value;
        var rpo = (TimeSpan)drill.Properties["Rpo"].Value;
        Assert.True(rto > TimeSpan.Zero && rpo > TimeSpan.Zero && rpo < TimeSpan.FromMinutes(5), $"RTO {rto}, RPO {rpo}");
        var entry = Assert.Single(Entries(environment, "DisasterRecoveryTest"));
        Assert.Equal("Succeeded", entry.GetProperty("outcome").GetString());
        Assert.Equal("test", entry.GetProperty("environment").GetString());
        var figures = entry.GetProperty("figures");
        Assert.Equal(_database, figures.GetProperty("Database").GetString());
        Assert.Equal(rto.TotalSeconds, figures.GetProperty("RtoSeconds").GetDouble(), 0.01);
        Assert.Equal(rpo.TotalSeconds, figures.GetProperty("RpoSeconds").GetDouble(), 0.01);
        Assert.True(figures.GetProperty("RestoreSeconds").GetDouble() > 0);
        Assert.Equal(3, figures.GetProperty("Rows").GetInt64());
        // The original was never touched, and the drill database is gone.
        Assert.Equal("3", await Postgres.QueryAsync("SELECT count(*) FROM t", _database));
        Assert.Equal("", await Postgres.QueryAsync("SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'opsrunbooks_verify_%'", "postgres"));

        // A query that fails fails the drill, which is logged as a failure with the check's error id.
        var failed = Session.InvokeFile(Drill, environment.RunbookParameters(("Database", _database), ("NoFreshBackup", true),
            ("VerificationQuery", new[] { "SELECT count(*) = 4 FROM t" })));
        Assert.False((bool)Assert.Single(failed.Output).Properties["Passed"].Value);
        Assert.Contains(failed.Errors, e => e.FullyQualifiedErrorId.StartsWith("VerificationQueryFailed", StringComparison.Ordinal));
        Assert.Equal("VerificationQueryFailed", Entries(environment, "DisasterRecoveryTest")[^1].GetProperty("errorId").GetString());

        // A destructive drill is refused where the environment is not throwaway.
        var refused = Session.InvokeFile(Drill, environment.RunbookParameters(("Database", _database), ("Destructive", true)));
        Assert.Contains(refused.Errors, e => e.FullyQualifiedErrorId.StartsWith("DisasterRecoveryNotThrowaway", StringComparison.Ordinal));
        Assert.Equal(2, Entries(environment, "DisasterRecoveryTest").Count);

        var evidence = Session.Invoke("Get-RestoreEvidence -Environment (Get-OpsEnvironment test -Path $args[0])", environment.Directory).EnsureSuccess().Output;
        Assert.Equal([_database, "never_backed_up"], evidence.Select(e => (string)e.Properties["Database"].Value));
        var proven = evidence[0];
        // The drills' own restore tests count as part of them, not twice.
        Assert.Equal("DisasterRecoveryTest", proven.Properties["LastProvenBy"].Value);
        Assert.Equal(1, proven.Properties["FailuresSince"].Value);
        Assert.Single((System.Collections.IEnumerable)proven.Properties["History"].Value);
        Assert.NotNull(proven.Properties["RestoreTime"].Value);
        Assert.Null(evidence[1].Properties["LastProvenUtc"].Value);

        await AssertTheReportRendersInChromiumAsync(environment);
    }

    private async Task AssertTheReportRendersInChromiumAsync(TestEnvironment environment)
    {
        var page = Path.Combine(environment.Directory, "report.html");
        var written = Session.Invoke("Export-OpsReport -Environment (Get-OpsEnvironment test -Path $args[0]) -Path $args[1]", environment.Directory, page).EnsureSuccess();
        Assert.Equal(page, ((FileInfo)Assert.Single(written.Output).BaseObject).FullName);

        var profile = Directory.CreateTempSubdirectory("opsrunbooks-chromium-").FullName;
        try
        {
            string[] chromium = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile];
            var dom = await ProcessRunner.RunAsync("/usr/bin/chromium", [.. chromium, "--dump-dom", new Uri(page).AbsoluteUri], timeout: TimeSpan.FromMinutes(2));
            Assert.True(dom.ExitCode == 0, dom.Error);
            foreach (var database in new[] { _database, "never_backed_up" })
            {
                Assert.Contains($"<section class=\"database\" id=\"db-{database}\" data-database=\"{database}\">", dom.Output);
                Assert.Contains($"<tr data-database=\"{database}\">", dom.Output);
            }
            Assert.Equal(6, dom.Output.Split("<svg class=\"chart\"").Length - 1);
            Assert.Contains("data-chart=\"backup-size\" data-points=\"1\"", dom.Output);
            Assert.Contains("data-chart=\"restore-time\" data-points=\"1\"", dom.Output);
            Assert.Contains("<span class=\"status Critical\">Critical</span>", dom.Output);

            var screenshot = Path.Combine(profile, "phone.png");
            var shot = await ProcessRunner.RunAsync("/usr/bin/chromium", [.. chromium, "--screenshot=" + screenshot, "--window-size=412,900", new Uri(page).AbsoluteUri],
                timeout: TimeSpan.FromMinutes(2));
            Assert.True(shot.ExitCode == 0, shot.Error);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(screenshot)[..4]);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    [Fact]
    public async Task ADestructiveDrillOnAThrowawayEnvironmentReplacesTheDatabaseFromItsBackup()
    {
        var environment = Environment("Recovery = @{ Throwaway = $true; RecoveryPointObjective = '1.00:00:00' }");
        Session.Invoke("Invoke-DatabaseBackup -Environment (Get-OpsEnvironment test -Path $args[0]) -Database $args[1]", environment.Directory, _database).EnsureSuccess();
        await Postgres.QueryAsync("INSERT INTO t VALUES (4)", _database);

        var result = Session.InvokeFile(Drill, environment.RunbookParameters(("Database", _database), ("Destructive", true), ("NoFreshBackup", true), ("Confirm", false)))
            .EnsureSuccess();

        var drill = Assert.Single(result.Output);
        Assert.True((bool)drill.Properties["Passed"].Value);
        Assert.True((bool)drill.Properties["RpoMet"].Value);
        Assert.Equal("3", await Postgres.QueryAsync("SELECT count(*) FROM t", _database));
        var figures = Assert.Single(Entries(environment, "DisasterRecoveryTest")).GetProperty("figures");
        Assert.True(figures.GetProperty("Destructive").GetBoolean());
        Assert.True(figures.GetProperty("RpoMet").GetBoolean());
        Assert.Single(Entries(environment, "DatabaseRestore"));
    }

    public async Task DisposeAsync()
    {
        _session?.Dispose();
        foreach (var disposable in _disposables) disposable.Dispose();
        await Postgres.DropDatabaseAsync(_database);
        foreach (var leftover in (await Postgres.QueryAsync($"SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE '{_database}%'", "postgres"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries))
            await Postgres.DropDatabaseAsync(leftover);
    }
}
