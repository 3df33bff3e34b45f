using System.Globalization;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.Notifications.Grafana;
using OpsRunbooks.Notifications.Slack;
using OpsRunbooks.Notifications.Webhook;

namespace OpsRunbooks.Notifications;

/// <summary>
/// One channel of an environment's Journal.Notifications: its driver (Type), where it posts (Url; for Slack the
/// whole URL is a secret, so a reference such as env:SLACK_WEBHOOK_URL), a bearer Token by reference, Grafana's
/// Tags and DashboardUid, when it fires (On), and how long and how often it tries (Timeout, Attempts, RetryDelay).
/// </summary>
public sealed record NotificationChannelSettings
{
    public static readonly IReadOnlyCollection<string> Keys = ["Type", "Url", "Token", "Tags", "DashboardUid", "On", "Timeout", "Attempts", "RetryDelay"];
    public static readonly IReadOnlyList<string> Types = ["Slack", "Grafana", "Webhook"];

    public required string Name { get; init; }
    public required string Type { get; init; }

    /// <summary>The URL: a reference resolved when sending, or (Grafana, Webhook) the URL as written.</summary>
    public required SecretReference Url { get; init; }
    public SecretReference? Token { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? DashboardUid { get; init; }
    public NotificationTrigger On { get; init; } = NotificationTrigger.Failure;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int Attempts { get; init; } = 3;

    /// <summary>The wait before the second attempt; each later wait doubles it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The channel's driver.</summary>
    public INotificationChannel CreateChannel() => Type switch
    {
        "Slack" => new SlackChannel(this),
        "Grafana" => new GrafanaChannel(this),
        _ => new WebhookChannel(this),
    };

    public static NotificationChannelSettings Read(string name, SettingsTable table)
    {
        var type = Types.FirstOrDefault(t => string.Equals(t, table.RequiredText("Type"), StringComparison.OrdinalIgnoreCase))
            ?? throw table.Invalid("Type", $"must be one of {string.Join(", ", Types)}");
        var url = type == "Slack"
            ? table.Secret("Url", "env:SLACK_WEBHOOK_URL") ?? throw table.Invalid("Url", "is missing")
            : new SecretReference(table.Deferred("Url", "a URL or a reference such as 'env:WEBHOOK_URL'") ?? throw table.Invalid("Url", "is missing"),
                table.SourcePath, table.KeyPath("Url"));
        if (!SecretReference.IsReference(url.Reference) && !Uri.TryCreate(url.Reference, UriKind.Absolute, out _))
            throw table.Invalid("Url", "must be an absolute http:// or https:// URL");
        return new NotificationChannelSettings
        {
            Name = name,
            Type = type,
            Url = url,
            Token = table.Secret("Token", "env:GRAFANA_TOKEN"),
            Tags = (table.Text("Tags") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            DashboardUid = table.Text("DashboardUid"),
            On = table.Text("On") is { } on
                ? Enum.TryParse<NotificationTrigger>(on, ignoreCase: true, out var trigger) && Enum.IsDefined(trigger)
                    ? trigger
                    : throw table.Invalid("On", "must be Failure, Always or Never")
                : NotificationTrigger.Failure,
            Timeout = Duration(table, "Timeout") ?? TimeSpan.FromSeconds(10),
            Attempts = table.WholeNumber("Attempts", 1, 10) ?? 3,
            RetryDelay = Duration(table, "RetryDelay") ?? TimeSpan.FromSeconds(1),
        };
    }

    private static TimeSpan? Duration(SettingsTable table, string key) => table.Text(key) is { } text
        ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero && value <= TimeSpan.FromMinutes(5)
            ? value
            : throw table.Invalid(key, $"'{text}' is not a timespan from 00:00:00.001 to 00:05:00")
        : null;

    /// <summary>Whether an operation's entry fires this channel by itself.</summary>
    public bool FiresOn(OperationLogEntry entry) => On switch
    {
        NotificationTrigger.Always => true,
        NotificationTrigger.Failure => entry.Outcome != OperationOutcome.Succeeded,
        _ => false,
    };

    /// <summary>"chat (Slack, on Failure)": never the URL, which may hold the secret.</summary>
    public override string ToString() => $"{Name} ({Type}, on {On})";
}
