using System.Net.Http.Headers;

namespace OpsRunbooks.Notifications.Webhook;

/// <summary>
/// A generic JSON webhook: <c>POST</c> of <c>{"message", "severity", "environment", "time", "entry"}</c>, the entry
/// being the operations-log entry as the log file holds it (absent for Send-OpsNotification); a bearer token by
/// reference when the receiver wants one.
/// </summary>
public sealed class WebhookChannel(NotificationChannelSettings settings) : INotificationChannel
{
    public NotificationChannelSettings Settings { get; } = settings;

    public HttpRequestMessage CreateRequest(Notification notification)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Settings.Url.Resolve())
        {
            Content = new ByteArrayContent(Body(notification)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (Settings.Token is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Resolve());
        return request;
    }

    private static byte[] Body(Notification notification)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("message", notification.Message);
            json.WriteString("severity", notification.Severity.ToString());
            if (notification.Environment is { } environment) json.WriteString("environment", environment);
            json.WriteString("time", DateTime.SpecifyKind(notification.Time, DateTimeKind.Utc));
            if (notification.Entry is { } entry)
            {
                json.WritePropertyName("entry");
                json.WriteRawValue(Journal.OperationLogEntryJson.Serialize(entry), skipInputValidation: true);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
