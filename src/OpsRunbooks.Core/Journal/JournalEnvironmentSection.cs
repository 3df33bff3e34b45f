using OpsRunbooks.Environments;
using OpsRunbooks.Notifications;

namespace OpsRunbooks.Journal;

/// <summary>
/// The <c>Journal = @{ ... }</c> section of an environment file:
/// <c>Path</c> (the JSON Lines file), <c>DatabaseServer</c>, <c>Database</c> and <c>Table</c> (the PostgreSQL sink),
/// and <c>Notifications = @{ name = @{ Type = 'Slack'|'Grafana'|'Webhook'; ... } }</c>.
/// </summary>
public sealed class JournalEnvironmentSection : IEnvironmentSection
{
    public string Key => "Journal";

    public IReadOnlyCollection<string> Keys { get; } = ["Path", "DatabaseServer", "Database", "Table", "Notifications"];

    public object Read(SettingsTable section)
    {
        var server = section.Text("DatabaseServer");
        var database = section.Text("Database");
        if ((server is null) != (database is null))
            throw section.Invalid(server is null ? "Database" : "DatabaseServer",
                "needs its partner: give both DatabaseServer and Database for the PostgreSQL sink, or neither");
        return new JournalSettings
        {
            Path = section.FilePath("Path"),
            DatabaseServer = server,
            Database = database,
            Table = section.Text("Table") ?? PostgresJournalTable.DefaultTable,
            Notifications = section.NamedTables("Notifications", NotificationChannelSettings.Keys)
                .Select(named => NotificationChannelSettings.Read(named.Name, named.Table))
                .ToArray(),
        };
    }
}
