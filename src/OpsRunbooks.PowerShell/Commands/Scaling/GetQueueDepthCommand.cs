using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Redis;
using OpsRunbooks.Scaling.Queues;

namespace OpsRunbooks.PowerShell.Commands.Scaling;

/// <summary>Reads how many jobs wait in queues kept in Redis, and how long the oldest has waited, in one round trip.</summary>
[Cmdlet(VerbsCommon.Get, "QueueDepth", DefaultParameterSetName = RedisSet)]
[OutputType(typeof(QueueDepth))]
public sealed class GetQueueDepthCommand : OpsCmdlet
{
    private const string RedisSet = "Redis";
    private const string EnvironmentSet = "Environment";

    [Parameter(Mandatory = true, ParameterSetName = RedisSet)]
    [ValidateNotNullOrEmpty]
    public string Redis { get; set; } = "";

    [Parameter(ParameterSetName = RedisSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter(ParameterSetName = RedisSet)]
    [ValidateRange(0, 15_999)]
    public int RedisDatabase { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RedisSet)]
    [Parameter(Position = 0, ParameterSetName = EnvironmentSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Queue { get; set; }

    // A string, not the Core enum: a field of a value type from OpsRunbooks.Core makes the cmdlet type unloadable
    // while PowerShell scans the module, before the module's initializer can resolve the core for it.
    [Parameter]
    [ValidateSet(nameof(QueueLayout.Horizon), nameof(QueueLayout.Celery), nameof(QueueLayout.Sidekiq), nameof(QueueLayout.BullMQ), nameof(QueueLayout.List), IgnoreCase = true)]
    public string? Layout { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? KeyPrefix { get; set; }

    [Parameter]
    public TimeSpan Timeout { get; set; } = RedisConnection.DefaultTimeout;

    protected override void EndProcessing() => TryRun(() =>
    {
        var request = QueueSource.Request(Environment, Queue, Layout is null ? null : Enum.Parse<QueueLayout>(Layout, ignoreCase: true), KeyPrefix);
        var endpoint = Environment is null
            ? RedisEndpoint.Parse(Redis, RedisDatabase, Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential())
            : QueueSource.RedisOf(Environment);
        var depths = Run(async token =>
        {
            await using var connection = await RedisConnection.ConnectAsync(endpoint, Timeout, token).ConfigureAwait(false);
            return await QueueDepthReader.ReadAsync(connection, request, token).ConfigureAwait(false);
        });
        foreach (var depth in depths)
        {
            if (depth.Known == false)
                WriteWarning($"Redis at {depth.Redis} has no {depth.Layout} queue '{depth.Queue}'" +
                    (string.IsNullOrEmpty(request.KeyPrefix) ? "" : $" under the key prefix '{request.KeyPrefix}'") +
                    ": check -Queue, -Layout and -KeyPrefix (it counts as empty).");
            WriteObject(depth);
        }
    });
}
