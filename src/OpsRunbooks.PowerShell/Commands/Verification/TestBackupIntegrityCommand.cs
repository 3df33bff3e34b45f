using System.Globalization;
using System.Management.Automation;
using System.Security;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;
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
public sealed class TestBackupIntegrityCommand : OpsCmdlet
{
    private const string BackupSet = "Backup";
    private const string StoreSet = "Store";
    private const string EnvironmentSet = "Environment";

    private readonly Dictionary<string, OpenPgpPrivateKey> _environmentKeys = new(StringComparer.Ordinal);
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

    [Parameter(ParameterSetName = BackupSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [AllowNull] // a piped backup made without an environment has none
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
    public string? Server { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

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
            ThrowTerminatingError(ErrorRecords.From(new OpsException("PassphraseWithoutKey", FailureKind.InvalidArgument,
                "-Passphrase unlocks the key of -DecryptionKey; give -DecryptionKey too.", Passphrase)));
        if (Server is not null && Credential is null)
            ThrowTerminatingError(ErrorRecords.From(new OpsException("CredentialMissing", FailureKind.InvalidArgument,
                $"-Server {Server} needs -Credential: a user allowed to create and drop databases there.", Server)));
        if (VerificationQuery is not null && !RestoreTest)
            ThrowTerminatingError(ErrorRecords.From(new OpsException("RestoreTestNotRequested", FailureKind.InvalidArgument,
                "-VerificationQuery runs in the restored database: add -RestoreTest.", VerificationQuery)));
        if (DecryptionKey is null) return;
        try
        {
            _explicitKey = LoadDecryptionKey(DecryptionKey, Passphrase);
        }
        catch (OpsException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
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
                    var newest = ListBackups(store, database, 1).FirstOrDefault() ?? throw new OpsException("BackupNotFound", FailureKind.NotFound,
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
            DecryptionKey = ResolveKey(),
            RestoreServer = restoreServer,
            VerificationQueries = VerificationQuery ?? [],
            PgRestorePath = ResolveOptionalPath(PgRestorePath),
            OnWarning = PostWarning,
        };
        var activityId = Math.Abs(backup.Id.GetHashCode()) % 10000;
        var activity = $"Testing backup {backup.Id}";
        var progress = new ImmediateProgress<IntegrityProgress>(p => Post(() => WriteProgress(Describe(activityId, activity, p))));
        var report = Run(token => BackupIntegrityTest.RunAsync(request, progress, token));
        WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        WriteObject(report);
    }

    private PostgresTarget ResolveRestoreServer(BackupRecord backup)
    {
        if (Server is not null)
            return new PostgresTarget(Server, Port, backup.Database, Credential!.GetNetworkCredential());
        if (Environment is not null)
            return Environment.ResolveRestoreTestTarget(backup.Database);
        throw new OpsException("RestoreTestServerMissing", FailureKind.InvalidArgument,
            $"-RestoreTest of {backup.Id} needs a server to restore on: give -Server and -Credential, or -Environment (its RestoreTestServer).", backup);
    }

    private OpenPgpPrivateKey? ResolveKey()
    {
        if (_explicitKey is not null) return _explicitKey;
        if (Environment?.DecryptionKey is null) return null;
        if (!_environmentKeys.TryGetValue(Environment.SourcePath, out var key))
            _environmentKeys[Environment.SourcePath] = key = Environment.LoadDecryptionKey();
        return key;
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
