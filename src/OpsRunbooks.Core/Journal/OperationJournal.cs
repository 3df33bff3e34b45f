using System.Net;
using OpsRunbooks.Environments;
using OpsRunbooks.Notifications;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Journal;

/// <summary>
/// The operations log of one environment (or of none: the default file): where a state-changing operation
/// records its entry. Every entry goes to the JSON Lines file; to the environment's PostgreSQL table as well
/// when its Journal section names one; and to the notification channels that fire on it. None of this can fail
/// the operation: a sink or channel that is down is reported through the warning callback (the entry is in the
/// file, or, when the file itself cannot be written, the warning says so).
/// </summary>
public sealed class OperationJournal
{
    /// <summary>The runner sets this to the id of the runbook run, which each entry of the run then carries.</summary>
    public const string RunIdVariable = "OPSRUNBOOKS_RUN_ID";

    private readonly Action<string> _warn;

    public OperationJournal(OpsEnvironment? environment, Action<string> warn)
    {
        _warn = warn;
        Environment = environment;
        Settings = environment?.GetSection<JournalSettings>() ?? new JournalSettings();
        File = new JournalFile(Settings.Path ?? JournalFile.DefaultPath);
    }

    public OpsEnvironment? Environment { get; }
    public JournalSettings Settings { get; }
    public JournalFile File { get; }

    /// <summary>
    /// Starts recording an operation on <paramref name="target"/> (never a secret: a database and server, a backup
    /// id). End it with Succeeded, Failed or Cancelled; disposed without that, it records a failure.
    /// </summary>
    public OperationRecording Begin(string operation, string target) => new(this, operation, target, DateTime.UtcNow);

    /// <summary>The environment's PostgreSQL sink, or null when its Journal section names none.</summary>
    public PostgresJournalTable? DatabaseTable()
    {
        if (Settings.DatabaseServer is not { } serverName || Environment is null) return null;
        var server = Environment.DatabaseServers.FirstOrDefault(s => s.Name == serverName)
            ?? throw new OpsException(JournalErrorIds.JournalDatabaseServerUnknown, FailureKind.InvalidArgument,
                $"'{Environment.SourcePath}': Journal.DatabaseServer is '{serverName}', which is not one of its DatabaseServers ({string.Join(", ", Environment.DatabaseServers.Select(s => s.Name))}).",
                Environment.SourcePath);
        var target = new PostgresTarget(server.Host, server.Port, Settings.Database!, new NetworkCredential(server.User, server.Password.Resolve()));
        return new PostgresJournalTable(target, Settings.Table);
    }

    /// <summary>Writes an ended operation's entry to every sink and fires the channels that fire on it.</summary>
    internal void Write(OperationLogEntry entry)
    {
        try
        {
            File.Append(entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _warn($"The operations log file '{File.Path}' could not be written ({e.Message}); this {entry.Operation} of {entry.Target} ({entry.Outcome}) is not recorded there.");
        }
        try
        {
            if (DatabaseTable() is { } table)
                table.AppendAsync(entry, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (OpsException e)
        {
            _warn($"The operations log table could not be written ({e.Message}); the entry {entry.Id} is in '{File.Path}'.");
        }
        Notify(entry);
    }

    private void Notify(OperationLogEntry entry)
    {
        var channels = Settings.Notifications.Where(channel => channel.FiresOn(entry)).ToArray();
        if (channels.Length == 0) return;
        var notification = Notification.About(entry);
        var deliveries = Task.WhenAll(channels.Select(channel =>
            NotificationSender.SendAsync(channel.CreateChannel(), notification, CancellationToken.None))).GetAwaiter().GetResult();
        foreach (var failed in deliveries.Where(d => !d.Delivered))
            _warn($"The notification channel '{failed.Channel}' ({failed.Type}) was not reached after {failed.Attempts} attempt(s): {failed.Problem}.");
    }

    /// <summary>The entry's fields that come from where the operation runs: user, host and the runbook run.</summary>
    internal static (string User, string Host, string? RunId) Context() =>
        (System.Environment.UserName, System.Environment.MachineName,
            System.Environment.GetEnvironmentVariable(RunIdVariable) is { Length: > 0 } run ? run : null);
}
