using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;
using OpsRunbooks.Notifications;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>
/// Sends a message to an environment's notification channels (all of them, or those -Channel names). A channel
/// that cannot be reached after its retries is a warning, never an error, so a notification cannot fail the
/// runbook that sends it; one delivery result per channel comes out.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "OpsNotification", SupportsShouldProcess = true)]
[OutputType(typeof(NotificationDelivery))]
public sealed class SendOpsNotificationCommand : OpsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string Message { get; set; } = "";

    // A string, not the enum: a field of a core value type makes the cmdlet assembly need the core before the
    // module initializer has made it reachable, and Import-Module fails outside the test host.
    [Parameter]
    [ValidateSet(nameof(NotificationSeverity.Info), nameof(NotificationSeverity.Warning), nameof(NotificationSeverity.Critical))]
    public string Severity { get; set; } = nameof(NotificationSeverity.Info);

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Channel { get; set; }

    [Parameter(Mandatory = true)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        var channels = Channels();
        if (channels.Count == 0)
        {
            WriteVerbose($"The environment '{Environment!.Name}' has no notification channels (Journal.Notifications); nothing is sent.");
            return;
        }
        if (!ShouldProcess(string.Join(", ", channels.Select(c => c.ToString())), $"Send the {Severity} notification '{Message}'"))
            return;
        var notification = new Notification(Message, Enum.Parse<NotificationSeverity>(Severity, ignoreCase: true), Environment!.Name, DateTime.UtcNow);
        var deliveries = Run(token => Task.WhenAll(channels.Select(channel =>
            NotificationSender.SendAsync(channel.CreateChannel(), notification, token))));
        foreach (var delivery in deliveries)
        {
            if (!delivery.Delivered)
                WriteWarning($"The notification channel '{delivery.Channel}' ({delivery.Type}) was not reached after {delivery.Attempts} attempt(s): {delivery.Problem}.");
            WriteObject(delivery);
        }
    });

    private IReadOnlyList<NotificationChannelSettings> Channels()
    {
        var configured = Environment!.GetSection<JournalSettings>()?.Notifications ?? [];
        if (Channel is null) return configured;
        return Channel.Select(name => configured.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new OpsException(JournalErrorIds.NotificationChannelUnknown, FailureKind.InvalidArgument,
                $"The environment '{Environment.Name}' ({Environment.SourcePath}) has no notification channel '{name}'; its Journal.Notifications has: "
                + (configured.Count == 0 ? "none" : string.Join(", ", configured.Select(c => c.Name))) + ".", name)).ToArray();
    }
}
