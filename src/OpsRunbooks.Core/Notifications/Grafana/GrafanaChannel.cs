using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OpsRunbooks.Notifications.Grafana;

/// <summary>
/// A Grafana annotation: <c>POST {Url}/api/annotations</c> with the time in epoch milliseconds, the channel's
/// tags plus the operation, outcome and environment, the text, and the dashboard when one is named; the service
/// account token is a bearer token by reference.
/// </summary>
public sealed class GrafanaChannel(NotificationChannelSettings settings) : INotificationChannel
{
    public NotificationChannelSettings Settings { get; } = settings;

    public HttpRequestMessage CreateRequest(Notification notification)
    {
        var tags = new JsonArray();
        foreach (var tag in Settings.Tags.Concat(TagsOf(notification)).Distinct(StringComparer.OrdinalIgnoreCase))
            tags.Add(tag);
        var body = new JsonObject
        {
            ["time"] = new DateTimeOffset(DateTime.SpecifyKind(notification.Time, DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
            ["tags"] = tags,
            ["text"] = notification.Message,
        };
        if (notification.Entry is { } entry)
            body["timeEnd"] = new DateTimeOffset(DateTime.SpecifyKind(entry.FinishedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        if (notification.Entry is { } started)
            body["time"] = new DateTimeOffset(DateTime.SpecifyKind(started.StartedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        if (Settings.DashboardUid is { } dashboard)
            body["dashboardUID"] = dashboard;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(Settings.Url.Resolve().TrimEnd('/') + "/"), "api/annotations"))
        {
            Content = JsonContent.Create(body),
        };
        if (Settings.Token is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Resolve());
        return request;
    }

    private static IEnumerable<string> TagsOf(Notification notification)
    {
        yield return notification.Severity.ToString().ToLowerInvariant();
        if (notification.Environment is { } environment) yield return environment;
        if (notification.Entry is { } entry)
        {
            yield return entry.Operation;
            yield return entry.Outcome.ToString();
        }
    }
}
