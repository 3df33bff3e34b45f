using System.Globalization;
using System.Management.Automation;
using System.Security;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.Postgres;
using OpsRunbooks.PowerShell.Commands.Backup;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;
using OpsRunbooks.Verification;

namespace OpsRunbooks.PowerShell.Commands.Verification;

/// <summary>
/// Tests that backups can really be restored: manifest, checksum, decryption and archive in one streamed
/// pass, and with -RestoreTest a restore into a scratch database that is always dropped.
/// </summary>
// The default set is Environment, so that -Environment alone means "the newest backups of that environment";
// piped backups still select the Backup set, which is the only one taking pipeline input.
[Cmdlet(VerbsDiagnostic.Test, "BackupIntegrity", DefaultParameterSetName = EnvironmentSet, SupportsShouldProcess = true)]
[OutputType(typeof(IntegrityReport))]
public sealed class TestBackupIntegrityCommand : BackupCommand
{
    private const string BackupSet = "Backup";
    private const string StoreSet = "Store";
    private const string EnvironmentSet = "Environment";

    private readonly Dictionary<string, OpenPgpPrivateKey> _environmentKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreadableEnvironmentsWarned = new(StringComparer.Ordinal);
    private OpenPgpPrivateKey? _explicitKey;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = BackupSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BackupRecord[]? Backup { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = StoreSet)]
    public IBackupStore? Store { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StoreSet)]
    [Parameter(Position = 0, ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[]? Database { get; set; }

    // Not bound from a piped backup's Environment property: the environment a backup names is looked up only
    // when its key or restore-test server is needed (see EnvironmentOf), so a record binds wherever it came from.
    [Parameter(ParameterSetName = BackupSet)]
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DecryptionKey { get; set; }

    [Parameter]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    public SwitchParameter RestoreTest { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RestoreTestServer { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int RestoreTestPort { get; set; } = 5432;

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? VerificationQuery { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgRestorePath { get; set; }

    protected override void BeginProcessing()
    {
        if (Passphrase is not null && DecryptionKey is null)
            ThrowTerminatingError(ErrorRecords.From(new OpsException(BackupErrorIds.PassphraseWithoutKey, FailureKind.InvalidArgument,
                "-Passphrase unlocks the key of -DecryptionKey; give -DecryptionKey too.", Passphrase)));
        if (RestoreTestServer is not null && Credential is null)
            ThrowTerminatingError(ErrorRecords.From(new OpsException(VerificationErrorIds.CredentialMissing, FailureKind.InvalidArgument,
                $"-RestoreTestServer {RestoreTestServer} needs -Credential: a user allowed to create and drop databases there.", RestoreTestServer)));
        if (VerificationQuery is not null && !RestoreTest)
            ThrowTerminatingError(ErrorRecords.From(new OpsException(VerificationErrorIds.RestoreTestNotRequested, FailureKind.InvalidArgument,
                "-VerificationQuery runs in the restored database: add -RestoreTest.", VerificationQuery)));
        if (DecryptionKey is null) return;
        try
        {
            _explicitKey = LoadDecryptionKey(DecryptionKey, Passphrase);
        }
        catch (Exception e) when (DescribeUnexpected(e) is { } described)
        {
            ThrowTerminatingError(ErrorRecords.From(described));
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == BackupSet)
        {
            foreach (var backup in Backup!)
                TryRun(() => Test(backup));
            return;
        }
        TryRun(() =>
        {
            var store = Store ?? BackupStoreFactory.ForEnvironment(Environment!);
            var databases = Database ?? Environment!.Databases.Select(d => d.Name).ToArray();
            foreach (var database in databases)
            {
                TryRun(() =>
                {
                    var newest = ListBackups(store, database, 1).FirstOrDefault() ?? throw new OpsException(BackupErrorIds.BackupNotFound, FailureKind.NotFound,
                        $"{store.Location} holds no backup of the database '{database}'.", database);
                    Test(newest);
                });
            }
        });
    }

    private void Test(BackupRecord backup)
    {
        var restoreServer = RestoreTest ? ResolveRestoreServer(backup) : null;
        if (restoreServer is not null && !ShouldProcess($"{backup.Id} on {restoreServer.Host}:{restoreServer.Port}",
                "Restore into a scratch database, check it, and drop it"))
            return;

        var request = new IntegrityRequest
        {
            Backup = backup,
            DecryptionKey = ResolveKey(backup),
            RestoreServer = restoreServer,
            VerificationQueries = VerificationQuery ?? [],
            PgRestorePath = ResolveOptionalPath(PgRestorePath),
            OnWarning = PostWarning,
        };
        var activityId = Math.Abs(backup.Id.GetHashCode()) % 10000;
        var activity = $"Testing backup {backup.Id}";
        var progress = new ImmediateProgress<IntegrityProgress>(p => Post(() => WriteProgress(Describe(activityId, activity, p))));
        // Only a restore test changes state (a scratch database made and dropped), so only it is recorded.
        using var operation = restoreServer is null ? null
            : BeginOperation("RestoreTest", $"{backup.Id} of {backup.Database} on {restoreServer.Host}:{restoreServer.Port}", EnvironmentOf(backup).Environment);
        var report = Run(token => BackupVerifier.RunAsync(request, progress, token));
        WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        if (operation is not null)
        {
            var figures = new OperationFigures
            {
                { "BackupId", backup.Id },
                { "StoredBytes", backup.StoredBytes },
                { "DurationSeconds", report.Duration },
            };
            if (report.RestoreDuration is { } restoreDuration) figures.Add("RestoreSeconds", restoreDuration);
            figures.Add("ChecksPassed", report.Checks.Count(c => c.Status == IntegrityCheckStatus.Passed));
            if (report.Passed) operation.Succeeded(figures);
            else operation.Failed(report.Cause!, $"{report.FailedCheck} failed: {report.CauseDetail}", figures);
        }
        WriteObject(report);
    }

    private PostgresTarget ResolveRestoreServer(BackupRecord backup)
    {
        if (RestoreTestServer is not null)
            return new PostgresTarget(RestoreTestServer, RestoreTestPort, backup.Database, Credential!.GetNetworkCredential());
        var (environment, failure) = EnvironmentOf(backup);
        if (environment is not null)
            return environment.ResolveRestoreTestTarget(backup.Database);
        throw new OpsException(VerificationErrorIds.RestoreTestServerMissing, FailureKind.InvalidArgument,
            $"-RestoreTest of {backup.Id} needs a server to restore on: give -RestoreTestServer and -Credential, or -Environment (its RestoreTestServer)." +
            (failure is null ? "" : $" The environment '{backup.Environment}' the backup names could not be read: {failure.Message}"),
            backup, failure);
    }

    private OpenPgpPrivateKey? ResolveKey(BackupRecord backup)
    {
        if (_explicitKey is not null) return _explicitKey;
        var (environment, failure) = EnvironmentOf(backup);
        if (failure is not null && _unreadableEnvironmentsWarned.Add(backup.Environment!))
        {
            WriteWarning($"Backup {backup.Id} names the environment '{backup.Environment}', which could not be read ({failure.Message}); " +
                "its DecryptionKey is not used. Give -DecryptionKey or -Environment.");
        }
        if (environment?.DecryptionKey is null) return null;
        if (!_environmentKeys.TryGetValue(environment.SourcePath, out var key))
            _environmentKeys[environment.SourcePath] = key = environment.LoadDecryptionKey();
        return key;
    }

    /// <summary>
    /// -Environment when given; else the environment a piped backup names, looked up as -Environment's names are,
    /// once per name; its failure to load is returned rather than thrown, for the caller to decide whether it matters.
    /// </summary>
    private (OpsEnvironment? Environment, OpsException? Failure) EnvironmentOf(BackupRecord backup)
    {
        if (Environment is not null || backup.Environment is not { Length: > 0 } name) return (Environment, null);
        return LoadNamedEnvironment(name);
    }

    private static ProgressRecord Describe(int activityId, string activity, IntegrityProgress p)
    {
        var status = p.Phase is "Checking" or "Restoring"
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Phase}: {p.BytesRead / 1048576.0:N1} of {p.TotalBytes / 1048576.0:N1} MiB read, {p.Elapsed:hh\\:mm\\:ss}")
            : string.Create(CultureInfo.InvariantCulture, $"{p.Phase}, {p.Elapsed:hh\\:mm\\:ss}");
        var record = new ProgressRecord(activityId, activity, status) { CurrentOperation = p.Database };
        if (p.TotalBytes > 0 && p.Phase is "Checking" or "Restoring")
            record.PercentComplete = (int)Math.Clamp(100 * p.BytesRead / p.TotalBytes, 0, 100);
        return record;
    }
}
