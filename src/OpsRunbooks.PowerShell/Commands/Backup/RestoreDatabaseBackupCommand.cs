using System.Globalization;
using System.Management.Automation;
using System.Security;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.Postgres;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Backup;

/// <summary>
/// Restores backups into a database: a new one, or, with -Force, in place of an existing one after an
/// emergency backup of it. The core does the work; this turns parameters into a request and results into output.
/// </summary>
[Cmdlet(VerbsData.Restore, "DatabaseBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ServerSet)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreDatabaseBackupCommand : BackupCommand
{
    private const string ServerSet = "Server";
    private const string EnvironmentSet = "Environment";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BackupRecord? Backup { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string TargetDatabase { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Parameter(ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string? DecryptionKey { get; set; }

    [Parameter]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EncryptionKey { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgRestorePath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgDumpPath { get; set; }

    protected override void ProcessRecord() => TryRun(() => Restore(Backup!));

    private void Restore(BackupRecord backup)
    {
        var request = BuildRequest(backup);
        var target = request.Target;
        var plan = Run(token => DatabaseRestore.PlanAsync(request, token));
        var what = $"{target.Database} on {target.Host}:{target.Port}";
        var action = plan.TargetExists
            ? $"Replace with backup {backup.Id} of {backup.Database} (the existing database is backed up into {backup.Store!.Location} first)"
            : $"Create and restore backup {backup.Id} of {backup.Database} into it";
        if (!ShouldProcess(what, action))
            return;

        var activityId = Math.Abs(target.Database.GetHashCode()) % 10000 + 10000;
        var activity = $"Restoring {backup.Id} into {target.Database}";
        var progress = new ImmediateProgress<RestoreProgress>(p => Post(() => WriteProgress(
            new ProgressRecord(activityId, activity, Describe(p)) { PercentComplete = p.PercentComplete })));
        using var operation = BeginOperation("DatabaseRestore", $"{target.Database} on {target.Host}:{target.Port}", Environment);
        operation.Figures.Add("BackupId", backup.Id);
        operation.Figures.Add("Replaced", plan.TargetExists);
        var result = Run(token => DatabaseRestore.RunAsync(request, progress, token));
        WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        var figures = new OperationFigures
        {
            { "StoredBytes", backup.StoredBytes },
            { "Tables", result.TableRowCounts.Count },
            { "Rows", result.TableRowCounts.Values.Sum() },
            { "RowCountsMatch", result.RowCountsMatch },
            { "RestoreSeconds", result.RestoreDuration },
            { "DurationSeconds", result.Duration },
        };
        if (result.EmergencyBackup is { } emergency) figures.Add("EmergencyBackupId", emergency.Id);
        operation.Succeeded(figures);
        WriteObject(result);
    }

    private RestoreRequest BuildRequest(BackupRecord backup)
    {
        var target = Environment is null
            ? new PostgresTarget(Server, Port, TargetDatabase, Credential.GetNetworkCredential())
            : ResolveEnvironmentTarget(Environment, backup);
        return new RestoreRequest(backup, target, LoadDecryptionKey())
        {
            Force = Force,
            EmergencyBackupKey = LoadEncryptionKey(),
            Jobs = Jobs,
            NoOwner = NoOwner,
            PgRestorePath = ResolveOptionalPath(PgRestorePath),
            PgDumpPath = ResolveOptionalPath(PgDumpPath),
            Environment = Environment?.Name,
            OnStep = step => Post(() => WriteVerbose(step)),
            OnEmergencyBackup = record => Post(() =>
            {
                var message = $"Emergency backup of {record.Database} stored before the restore: {record.Id} in {record.Store!.Location}.";
                WriteInformation(new InformationRecord(record, MyInvocation.MyCommand.Name) { Tags = { "EmergencyBackup" } });
                WriteVerbose(message);
            }),
            OnWarning = PostWarning,
        };
    }

    /// <summary>The server of the target database when the environment lists it, else that of the backup's database.</summary>
    private PostgresTarget ResolveEnvironmentTarget(OpsEnvironment environment, BackupRecord backup) =>
        environment.Databases.Any(d => d.Name == TargetDatabase)
            ? environment.ResolveTarget(TargetDatabase)
            : environment.ResolveTarget(backup.Database) with { Database = TargetDatabase };

    private OpenPgpPrivateKey LoadDecryptionKey() =>
        DecryptionKey is null ? Environment!.LoadDecryptionKey() : LoadDecryptionKey(DecryptionKey, Passphrase);

    private OpenPgpPublicKey? LoadEncryptionKey()
    {
        var path = ResolveOptionalPath(EncryptionKey) ?? Environment?.EncryptionKeyPath;
        return path is null ? null : OpenPgpPublicKey.Load(path);
    }

    private static string Describe(RestoreProgress p)
    {
        const double mib = 1048576.0;
        if (p.StoredBytesRead > 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{p.Phase}: {p.StoredBytesRead / mib:N1} of {p.StoredBytes / mib:N1} MiB read, {p.ArchiveBytes / mib:N1} MiB decrypted, {p.Elapsed:hh\\:mm\\:ss}");
        }
        return p.ArchiveBytes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{p.Phase}: {p.ArchiveBytes / mib:N1} MiB, {p.Elapsed:hh\\:mm\\:ss}")
            : string.Create(CultureInfo.InvariantCulture, $"{p.Phase}, {p.Elapsed:hh\\:mm\\:ss}");
    }
}
