using System.Globalization;
using System.Management.Automation;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.Postgres;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Backup;

[Cmdlet(VerbsLifecycle.Invoke, "DatabaseBackup", SupportsShouldProcess = true, DefaultParameterSetName = ServerSet)]
[OutputType(typeof(BackupRecord))]
public sealed class InvokeDatabaseBackupCommand : BackupCommand
{
    private const string ServerSet = "Server";
    private const string EnvironmentSet = "Environment";

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ServerSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 0, ParameterSetName = EnvironmentSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.DatabaseNameCompleter))]
    public string[]? Database { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    public IBackupStore? Store { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgDumpPath { get; set; }

    protected override void ProcessRecord()
    {
        var databases = Database ?? Environment!.Databases.Select(d => d.Name).ToArray();
        foreach (var database in databases)
            TryRun(() => BackUp(database));
    }

    private void BackUp(string database)
    {
        var request = BuildRequest(database);
        var target = request.Target;
        if (!ShouldProcess($"{target.Database} on {target.Host}:{target.Port}", $"Back up to {request.Store.Location}"))
            return;

        var activityId = Math.Abs(database.GetHashCode()) % 10000;
        var progress = new ImmediateProgress<BackupProgress>(p => Post(() => WriteProgress(
            new ProgressRecord(activityId, $"Backing up {p.Database}", Describe(p)))));
        using var operation = BeginOperation("DatabaseBackup", $"{target.Database} on {target.Host}:{target.Port}", Environment);
        var record = Run(token => DatabaseBackup.RunAsync(request, progress, token));
        WriteProgress(new ProgressRecord(activityId, $"Backing up {database}", "Done") { RecordType = ProgressRecordType.Completed });
        operation.Succeeded(new OperationFigures
        {
            { "BackupId", record.Id },
            { "DumpBytes", record.DumpBytes },
            { "StoredBytes", record.StoredBytes },
            { "Tables", record.TableRowCounts.Count },
            { "Rows", record.TableRowCounts.Values.Sum() },
            { "DurationSeconds", record.Duration },
        }, $"Stored in {request.Store.Location}.");
        WriteObject(record);
    }

    private BackupRequest BuildRequest(string database)
    {
        var keyPath = ResolveOptionalPath(EncryptionKey) ?? Environment?.EncryptionKeyPath
            ?? throw new OpsException(BackupErrorIds.EncryptionKeyMissing, FailureKind.InvalidArgument,
                $"The environment '{Environment!.Name}' ({Environment.SourcePath}) names no EncryptionKey; give -EncryptionKey.", Environment);
        var store = Store ?? BackupStoreFactory.ForEnvironment(Environment!);
        var target = Environment is null
            ? new PostgresTarget(Server, Port, database, Credential.GetNetworkCredential())
            : Environment.ResolveTarget(database);
        return new BackupRequest(target, store, OpenPgpPublicKey.Load(keyPath))
        {
            PgDumpPath = ResolveOptionalPath(PgDumpPath),
            Environment = Environment?.Name,
            OnWarning = PostWarning,
        };
    }

    private static string Describe(BackupProgress p) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{p.Phase}: {p.DumpBytes / 1048576.0:N1} MiB dumped, {p.StoredBytes / 1048576.0:N1} MiB stored, {p.Elapsed:hh\\:mm\\:ss}");
}
