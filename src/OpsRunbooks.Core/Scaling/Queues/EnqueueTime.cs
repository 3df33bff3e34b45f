using System.Globalization;
using System.Text.Json;

namespace OpsRunbooks.Scaling.Queues;

/// <summary>When a job was queued, as its framework writes it into the job.</summary>
public static class EnqueueTime
{
    // Epoch values above this are milliseconds (Sidekiq 8, BullMQ); below it seconds (Horizon, Sidekiq 7): in
    // seconds it is the year 5138, in milliseconds March 1973.
    private const double MillisecondsThreshold = 1e11;

    /// <summary>The enqueue time in a queued payload of <paramref name="layout"/>; null when it carries none or is not JSON.</summary>
    public static DateTimeOffset? FromPayload(QueueLayout layout, string? payload)
    {
        if (string.IsNullOrEmpty(payload) || payload[0] != '{') return null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            return layout switch
            {
                QueueLayout.Horizon => FromProperty(root, "pushedAt") ?? FromProperty(root, "createdAt"),
                QueueLayout.Sidekiq => FromProperty(root, "enqueued_at") ?? FromProperty(root, "created_at"),
                QueueLayout.Celery => root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object
                    ? FromProperty(headers, "enqueued_at")
                    : null,
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A time written as epoch seconds (1700000000.123, also as a string: Horizon's pushedAt), epoch
    /// milliseconds (1700000000123) or ISO 8601; null for anything else.
    /// </summary>
    public static DateTimeOffset? FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return FromEpoch(number);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUniversalTime()
            : null;
    }

    private static DateTimeOffset? FromProperty(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetDouble(out var number) => FromEpoch(number),
            JsonValueKind.String => FromText(value.GetString()),
            _ => null,
        };
    }

    private static DateTimeOffset? FromEpoch(double value)
    {
        if (double.IsNaN(value) || value <= 0) return null;
        var milliseconds = value >= MillisecondsThreshold ? value : value * 1000;
        return milliseconds < 253_402_300_800_000 // 9999-12-31
            ? DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond))
            : null;
    }
}
