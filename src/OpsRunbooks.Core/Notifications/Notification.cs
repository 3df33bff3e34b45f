using OpsRunbooks.Journal;

namespace OpsRunbooks.Notifications;

public enum NotificationSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>When a channel fires by itself, besides Send-OpsNotification naming it.</summary>
public enum NotificationTrigger
{
    /// <summary>On each operation that fails or is cancelled.</summary>
    Failure,

    /// <summary>On every operation and run summary the log records.</summary>
    Always,

    /// <summary>Only when Send-OpsNotification sends to it.</summary>
    Never,
}

/// <summary>What a channel is told: a sentence, its severity and, for an operation's notification, the log entry.</summary>
public sealed record Notification(string Message, NotificationSeverity Severity, string? Environment, DateTime Time)
{
    public OperationLogEntry? Entry { get; init; }

    /// <summary>The notification of an operation the log recorded.</summary>
    public static Notification About(OperationLogEntry entry) => new(
        $"{entry.Operation} of {entry.Target}" + (entry.Environment is null ? "" : $" ({entry.Environment})") + $": {entry.Outcome}"
            + (entry.ErrorId is null ? "" : $" [{entry.ErrorId}]") + (entry.Message is null ? "" : $". {entry.Message}"),
        entry.Outcome == OperationOutcome.Succeeded ? NotificationSeverity.Info : NotificationSeverity.Critical,
        entry.Environment,
        entry.FinishedAt)
    { Entry = entry };
}

/// <summary>How the sending to one channel went.</summary>
public sealed record NotificationDelivery(string Channel, string Type, bool Delivered, int Attempts, int? StatusCode, string? Problem)
{
    public override string ToString() => $"{Channel}: " + (Delivered ? "delivered" : $"not delivered ({Problem})");
}
