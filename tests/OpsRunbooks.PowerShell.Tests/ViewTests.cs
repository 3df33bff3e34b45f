using System.Text.RegularExpressions;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// The default views at 80 columns, rendered from real objects: no line is wider, and the column that says
/// why (a status's reasons, a failure's cause, a backup's whole Id) is there in full. PowerShell wraps a
/// long cell anywhere in a word, so the text is compared with all white space left out.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed partial class ViewTests(ServicesFixture services) : IAsyncLifetime
{
    private readonly string _target = "restored_" + Guid.NewGuid().ToString("N")[..8];
    private BackupTestContext? _context;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public void EveryDefaultViewFits80ColumnsAndShowsWhatExplainsEachRow()
    {
        _context = new BackupTestContext(services);
        var session = _context.Session;
        session.SetVariable("target", _target);
        var backups = _context.BackUpSeed(3);
        // The newest finished days ago and is far smaller than the others: Critical, for two reasons.
        _context.RewriteManifest(backups[0], startedUtc: DateTime.UtcNow.AddDays(-5));
        _context.RewriteManifest(backups[1], startedUtc: DateTime.UtcNow.AddDays(-4));
        _context.RewriteManifest(backups[2], startedUtc: DateTime.UtcNow.AddDays(-3), storedBytes: 1000);
        session.Invoke("$backups = Get-DatabaseBackup -Store $store").EnsureSuccess();
        using var environment = new TestEnvironment(services, decryptionKey: services.Keys.PrivateKeyPath);
        session.Invoke("$environment = Get-OpsEnvironment test -Path $args[0]", environment.Directory).EnsureSuccess();

        var views = new (string Type, string Script, Func<EngineResult, IEnumerable<string>> Explaining)[]
        {
            ("BackupRecord", "$backups", r => r.Backups().Select(b => b.Id)),
            ("RetentionDecision", "$backups | Get-BackupRetentionPlan -Daily 1 -Weekly 0 -Monthly 0 -KeepMinimum 1",
                r => r.Decisions().SelectMany(d => new[] { d.Id, d.Reason })),
            ("BackupFreshnessResult", "Test-BackupFreshness -Store $store -Database $database, 'never_backed_up'",
                r => r.Freshness().SelectMany(f => f.Reasons)),
            ("IntegrityReport", "$backups[2] | Test-BackupIntegrity -Environment $environment; $backups[1], $backups[0] | Test-BackupIntegrity -Environment $environment -RestoreTest",
                r => r.Integrity().Select(CheckSummary).Append("4 passed; skipped: Restore, RowCounts, VerificationQueries")),
            ("IntegrityCheck", "($backups[0] | Test-BackupIntegrity -Environment $environment).Checks",
                r => r.Output.Select(c => new CheckView(c)).Select(c => c.ErrorId is null ? c.Detail : $"{c.ErrorId}: {c.Detail}")),
            ("RestoreResult", "$backups[1] | Restore-DatabaseBackup -Environment $environment -TargetDatabase $target -Confirm:$false",
                r => r.Output.SelectMany(o => new[] { $"{o.Properties["TargetDatabase"].Value} True False {backups[1].Id}" })),
            ("Store", "$store; New-BackupStore -S3Bucket acme-db-backups -Prefix production/eu -Region eu-west-1",
                r => r.Output.Select(o => (string)o.Properties["Location"].Value)),
            ("OperationLogEntry", "Get-OperationLog -Operation DatabaseBackup -First 2",
                r => r.Output.Select(o => $"{o.Properties["Outcome"].Value}")),
            ("OpsEnvironment", "$environment",
                r => [Path.Combine(environment.Directory, "test.psd1"), $"{services.Postgres.SeedDatabase} on primary"]),
        };
        var problems = new List<string>();
        foreach (var (type, script, explaining) in views)
        {
            var objects = session.Invoke(script).EnsureSuccess();
            Assert.True(objects.Output.Count > 0, $"{type}: no objects");
            Assert.All(objects.Output, o => Assert.EndsWith(type, o.BaseObject.GetType().Name));
            session.SetVariable("objects", objects.Output);
            var text = (string)session.Invoke("$objects | Out-String -Width 80").EnsureSuccess().Output.Single().BaseObject;
            var wide = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 80).ToList();
            if (wide.Count > 0) problems.Add($"{type}: {wide.Count} lines wider than 80 columns");
            var rendered = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            var underline = rendered.FindIndex(l => l.StartsWith("--", StringComparison.Ordinal));
            if (underline > 1) problems.Add($"{type}: the table's header is wrapped over {underline} lines");
            var flat = Spaces().Replace(text, "");
            foreach (var expected in explaining(objects))
            {
                if (!flat.Contains(Spaces().Replace(expected, ""), StringComparison.Ordinal))
                    problems.Add($"{type}: '{expected}' is not shown whole");
            }
            if (problems.Any(p => p.StartsWith(type + ":", StringComparison.Ordinal)))
                problems.Add($"{type} at 80 columns:\n{text}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        var list = (string)session.Invoke("$backups[0] | Test-BackupIntegrity -Environment $environment | Format-List | Out-String -Width 80")
            .EnsureSuccess().Output.Single().BaseObject;
        foreach (var check in new[] { "Manifest: Passed", "Checksum: Failed", "Restore: Skipped", "VerificationQueries: Skipped" })
            Assert.Contains(check, list);
    }

    [Fact]
    public void EveryTypeACmdletDeclaresItEmitsHasAView()
    {
        using var session = new EngineSession();
        var types = session.Invoke("""
            foreach ($type in (Get-Command -Module OpsRunbooks).OutputType.Type) {
                '{0}={1}' -f $type.FullName, [bool](Get-FormatData -TypeName $type.FullName)
            }
            """).EnsureSuccess().Output.Select(o => ((string)o.BaseObject).Split('=')).ToList();
        Assert.Contains(types, t => t[0] == "OpsRunbooks.Verification.IntegrityReport");
        var missing = types.Where(t => t[1] != "True").Select(t => t[0]);
        Assert.Empty(missing);
    }

    /// <summary>What the Checks column of an integrity report says.</summary>
    private static string CheckSummary(IntegrityView report)
    {
        var skipped = report.Checks.Where(c => c.Status == "Skipped").Select(c => c.Name).ToList();
        if (!report.Passed) return $"{report.FailedCheck} failed ({report.Cause}): {report.CauseDetail}";
        return skipped.Count == 0 ? $"all {report.Checks.Count} passed" : $"{report.Checks.Count - skipped.Count} passed; skipped: {string.Join(", ", skipped)}";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    public async Task DisposeAsync()
    {
        await services.Postgres.DropDatabaseAsync(_target);
        _context?.Dispose();
    }
}
