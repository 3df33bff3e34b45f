using System.Management.Automation;
using System.Security;
using OpsRunbooks.Encryption;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.PostgresOperations;
using OpsRunbooks.PowerShell.Commands.Backup;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>
/// Moves databases from a PostgreSQL server to a new one (usually of a newer major version) by dump and restore:
/// a fresh backup of each into a store, a restore into the target, row counts compared; a report per database.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PostgresUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(PostgresUpgradeResult))]
public sealed class InvokePostgresUpgradeCommand : BackupCommand
{
    private const string EnvironmentSet = "Environment";
    private const string ServerSet = "Server";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ArgumentCompleter(typeof(Completion.DatabaseServerNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int SourcePort { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential SourceCredential { get; set; } = PSCredential.Empty;

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ArgumentCompleter(typeof(Completion.DatabaseServerNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int TargetPort { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential TargetCredential { get; set; } = PSCredential.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[] Database { get; set; } = [];

    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    public IBackupStore? Store { get; set; }

    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKey { get; set; }

    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string? DecryptionKey { get; set; }

    [Parameter]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgDumpPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgRestorePath { get; set; }

    protected override void ProcessRecord() => TryRun(Upgrade);

    private void Upgrade()
    {
        var request = BuildRequest();
        var plan = Run(token => PostgresUpgrade.PlanAsync(request, token));
        var (source, target) = (request.Source, request.Target);
        const int activityId = 31;
        var progress = new ImmediateProgress<string>(step => Post(() => WriteProgress(new ProgressRecord(activityId, "Upgrading PostgreSQL", step))));
        foreach (var database in plan.Databases)
        {
            var what = $"{database}: {source.Host}:{source.Port} (PostgreSQL {plan.SourceVersion}) → {target.Host}:{target.Port} (PostgreSQL {plan.TargetVersion})";
            if (!ShouldProcess(what, $"Back up into {request.Store.Location} and restore into a new database on the target"))
                continue;
            TryRun(() =>
            {
                using var operation = BeginOperation("PostgresUpgrade", $"{database} from {source.Host}:{source.Port} to {target.Host}:{target.Port}", Environment);
                var result = Run(token => PostgresUpgrade.MoveAsync(request, plan, database, progress, token));
                operation.Succeeded(new OperationFigures
                {
                    { "Database", result.Database },
                    { "SourceVersion", result.SourceVersion },
                    { "TargetVersion", result.TargetVersion },
                    { "BackupId", result.BackupId },
                    { "Tables", result.Tables },
                    { "Rows", result.Rows },
                    { "RowCountsMatch", result.RowCountsMatch },
                    { "BackupDuration", result.BackupDuration },
                    { "RestoreDuration", result.RestoreDuration },
                });
                WriteObject(result);
            });
        }
        WriteProgress(new ProgressRecord(activityId, "Upgrading PostgreSQL", "Done") { RecordType = ProgressRecordType.Completed });
    }

    private UpgradeRequest BuildRequest()
    {
        var (source, target) = Environment is null
            ? (DatabaseServerResolver.FromServer(Source, SourcePort, SourceCredential.GetNetworkCredential()),
               DatabaseServerResolver.FromServer(Target, TargetPort, TargetCredential.GetNetworkCredential()))
            : (DatabaseServerResolver.FromEnvironment(Environment, Source), DatabaseServerResolver.FromEnvironment(Environment, Target));
        var keyPath = ResolveOptionalPath(EncryptionKey) ?? Environment?.EncryptionKeyPath
            ?? throw new OpsException(OpsRunbooks.Backup.BackupErrorIds.EncryptionKeyMissing, FailureKind.InvalidArgument,
                $"The environment '{Environment!.Name}' ({Environment.SourcePath}) names no EncryptionKey; give -EncryptionKey.", Environment);
        var decryptionKey = DecryptionKey is null ? Environment!.LoadDecryptionKey() : LoadDecryptionKey(DecryptionKey, Passphrase);
        return new UpgradeRequest(source, target, Store ?? BackupStoreFactory.ForEnvironment(Environment!), OpenPgpPublicKey.Load(keyPath), decryptionKey)
        {
            Databases = Database,
            PgDumpPath = ResolveOptionalPath(PgDumpPath),
            PgRestorePath = ResolveOptionalPath(PgRestorePath),
            Environment = Environment?.Name,
            OnStep = step => Post(() => WriteVerbose(step)),
            OnWarning = PostWarning,
        };
    }
}
