using OpsRunbooks.Notifications;

namespace OpsRunbooks.Journal;

/// <summary>An environment's Journal section: where its operations log goes and who hears about its operations.</summary>
public sealed record JournalSettings
{
    /// <summary>The JSON Lines file; null for the default (<see cref="JournalFile.DefaultPath"/>).</summary>
    public string? Path { get; init; }

    /// <summary>The DatabaseServers entry whose database holds the log's table; null for the file alone.</summary>
    public string? DatabaseServer { get; init; }

    /// <summary>The database on <see cref="DatabaseServer"/> that holds the table.</summary>
    public string? Database { get; init; }

    public string Table { get; init; } = PostgresJournalTable.DefaultTable;

    /// <summary>The notification channels, by name.</summary>
    public IReadOnlyList<NotificationChannelSettings> Notifications { get; init; } = [];

    public override string ToString() =>
        string.Join("; ", new[]
        {
            Path ?? "default file",
            DatabaseServer is null ? null : $"{Table} in {Database} on {DatabaseServer}",
            Notifications.Count == 0 ? null : "notify " + string.Join(", ", Notifications.Select(n => n.ToString())),
        }.Where(part => part is not null));
}
