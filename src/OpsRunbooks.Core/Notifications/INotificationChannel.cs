namespace OpsRunbooks.Notifications;

/// <summary>
/// A notification driver (one folder each: Slack/, Grafana/, Webhook/): it turns a notification into the HTTP
/// request its service expects; <see cref="NotificationSender"/> sends it, with timeouts and retries.
/// </summary>
public interface INotificationChannel
{
    NotificationChannelSettings Settings { get; }

    /// <summary>The request to send, with its secrets (the URL's secret part, a token) resolved now.</summary>
    HttpRequestMessage CreateRequest(Notification notification);
}
