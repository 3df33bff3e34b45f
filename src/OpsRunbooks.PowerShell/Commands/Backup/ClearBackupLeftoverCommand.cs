using System.Globalization;
using System.Management.Automation;
using OpsRunbooks.Backup;
using OpsRunbooks.Journal;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Backup;

/// <summary>
/// Finds what killed backups, restores and restore tests left behind (scratch and restoring databases,
/// incomplete writes in a store) and removes it; emits each leftover found, with whether it was removed.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "BackupLeftover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = EnvironmentSet)]
[OutputType(typeof(BackupLeftover))]
public sealed class ClearBackupLeftoverCommand : BackupCommand
{
    private const string EnvironmentSet = "Environment";
    private const string ServerSet = "Server";
    private const string StoreSet = "Store";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(ParameterSetName = EnvironmentSet)]
    [Parameter(ParameterSetName = ServerSet)]
    [Parameter(Mandatory = true, ParameterSetName = StoreSet)]
    public IBackupStore? Store { get; set; }

    [Parameter]
    public TimeSpan OlderThan { get; set; } = BackupLeftovers.DefaultMinimumAge;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (OlderThan < TimeSpan.Zero)
        {
            ThrowTerminatingError(ErrorRecords.From(new OpsException(BackupErrorIds.LeftoverAgeInvalid, FailureKind.InvalidArgument,
                $"-OlderThan {OlderThan} is negative; give 0 or more (1.00:00:00 is one day).", OlderThan)));
        }
        var now = DateTime.UtcNow;
        foreach (var server in Servers())
        {
            TryRun(() =>
            {
                foreach (var leftover in Run(token => BackupLeftovers.FindDatabasesAsync(server, OlderThan, now, token)))
                    Clear(leftover);
            });
        }
        TryRun(() =>
        {
            var store = Store ?? (Environment?.Store is null ? null : BackupStoreFactory.ForEnvironment(Environment));
            if (store is null) return;
            foreach (var leftover in Run(token => BackupLeftovers.FindIncompleteWritesAsync(store, OlderThan, now, token)))
                Clear(leftover);
        });
    }

    /// <summary>-Server, or every server the environment names for its databases and restore tests, each once.</summary>
    private IEnumerable<PostgresTarget> Servers()
    {
        if (ParameterSetName == StoreSet) return [];
        if (Environment is null)
            return [new PostgresTarget(Server, Port, "postgres", Credential.GetNetworkCredential())];
        return Environment.Databases
            .SelectMany(d => new[] { Environment.ResolveTarget(d.Name), Environment.ResolveRestoreTestTarget(d.Name) })
            .DistinctBy(t => (t.Host, t.Port, t.Credential.UserName));
    }

    private void Clear(BackupLeftover leftover)
    {
        var what = string.Create(CultureInfo.InvariantCulture, $"{leftover.Name} in {leftover.Location}, begun {leftover.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC")
            + (leftover.Sessions > 0 ? $", {leftover.Sessions} sessions connected" : "")
            + (leftover.Size is { } size ? string.Create(CultureInfo.InvariantCulture, $", {size:N0} bytes") : "");
        if (ShouldProcess(what, $"Remove the leftover {Describe(leftover.Kind)}"))
        {
            TryRun(() =>
            {
                using var operation = BeginOperation("LeftoverRemoval", $"{leftover.Name} in {leftover.Location}", Environment);
                Run(token => BackupLeftovers.RemoveAsync(leftover, Force, token));
                var figures = new OperationFigures { { "Kind", leftover.Kind }, { "AgeSeconds", leftover.Age } };
                if (leftover.Size is { } size) figures.Add("Bytes", size);
                if (leftover.Sessions is { } sessions) figures.Add("SessionsEnded", sessions);
                operation.Succeeded(figures);
            });
        }
        WriteObject(leftover);
    }

    private static string Describe(BackupLeftoverKind kind) => kind switch
    {
        BackupLeftoverKind.ScratchDatabase => "scratch database of a restore test",
        BackupLeftoverKind.RestoringDatabase => "database of an unfinished restore",
        _ => "incomplete write (a .partial file or an unfinished multipart upload)",
    };
}
