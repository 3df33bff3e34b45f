using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OpsRunbooks.Notifications.Slack;

/// <summary>
/// A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): <c>POST {"text": "..."}</c> to the
/// webhook URL, whose path is the secret, so the URL comes by reference.
/// </summary>
public sealed class SlackChannel(NotificationChannelSettings settings) : INotificationChannel
{
    public NotificationChannelSettings Settings { get; } = settings;

    public HttpRequestMessage CreateRequest(Notification notification) => new(HttpMethod.Post, Settings.Url.Resolve())
    {
        Content = JsonContent.Create(new JsonObject { ["text"] = $"{Mark(notification.Severity)} {notification.Message}" }),
    };

    private static string Mark(NotificationSeverity severity) => severity switch
    {
        NotificationSeverity.Critical => ":red_circle:",
        NotificationSeverity.Warning => ":warning:",
        _ => ":white_check_mark:",
    };
}
