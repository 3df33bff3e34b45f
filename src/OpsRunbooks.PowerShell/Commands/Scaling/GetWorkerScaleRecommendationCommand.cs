using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;
using OpsRunbooks.PostgresOperations;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Queues;
using OpsRunbooks.Scaling.Recommendation;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.PowerShell.Commands.Scaling;

/// <summary>
/// Decides how many workers the piped queues need: one recommendation for all of them, with the rule that decided,
/// the limit that capped it and the reason in words.
/// </summary>
[Cmdlet(VerbsCommon.Get, "WorkerScaleRecommendation", DefaultParameterSetName = NoDatabaseSet)]
[OutputType(typeof(ScaleRecommendation))]
public sealed class GetWorkerScaleRecommendationCommand : OpsCmdlet
{
    private const string NoDatabaseSet = "NoDatabase";
    private const string ServerSet = "Server";
    private const string EnvironmentDatabaseSet = "EnvironmentDatabase";

    private readonly List<QueueDepth> _depths = [];

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public QueueDepth[] QueueDepth { get; set; } = [];

    [Parameter(Mandatory = true)]
    [ValidateRange(0.001, 1e6)]
    public double TargetWaitMinutes { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateRange(0.001, 1e9)]
    public double JobsPerWorkerPerMinute { get; set; }

    [Parameter]
    [ValidateRange(0, 100_000)]
    public int? Minimum { get; set; }

    [Parameter]
    [ValidateRange(0, 100_000)]
    public int? Maximum { get; set; }

    [Parameter]
    [ValidateRange(1, 100_000)]
    public int? MaxStepUp { get; set; }

    [Parameter]
    [ValidateRange(1, 100_000)]
    public int? MaxStepDown { get; set; }

    [Parameter]
    [ValidateRange(0d, 0.99)]
    public double Tolerance { get; set; } = 0.1;

    [Parameter]
    public TimeSpan ScaleDownStabilization { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A WorkerScaleTarget, or the name of one in the environment's Scaling.Targets.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Target { get; set; }

    [Parameter]
    [ValidateRange(0, 100_000)]
    public int? CurrentReplicas { get; set; }

    // In every set, never mandatory in one: a parameter named in a set of its own makes -Environment alone pick that
    // set (and ask for its database parameters) instead of the default one.
    [Parameter]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentDatabaseSet)]
    [ValidateRange(1, 10_000)]
    public int DatabaseConnectionsPerWorker { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnvironmentDatabaseSet)]
    [ArgumentCompleter(typeof(Completion.DatabaseServerNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string DatabaseServer { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    [Parameter(ParameterSetName = ServerSet)]
    [Parameter(ParameterSetName = EnvironmentDatabaseSet)]
    [ValidateRange(0, 100_000)]
    public int DatabaseConnectionReserve { get; set; }

    [Parameter]
    [ValidateRange(0.01, 1d)]
    public double RedisMemoryWarningRatio { get; set; } = 0.8;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StateDirectory { get; set; }

    protected override void ProcessRecord() => _depths.AddRange(QueueDepth);

    protected override void EndProcessing() => TryRun(() =>
    {
        var target = ResolveTarget();
        var policy = new ScalePolicy
        {
            TargetWaitMinutes = TargetWaitMinutes,
            JobsPerWorkerPerMinute = JobsPerWorkerPerMinute,
            Minimum = Minimum ?? target?.Minimum ?? throw BoundMissing("-Minimum"),
            Maximum = Maximum ?? target?.Maximum ?? throw BoundMissing("-Maximum"),
            MaxStepUp = MaxStepUp,
            MaxStepDown = MaxStepDown,
            Tolerance = Tolerance,
            ScaleDownStabilization = ScaleDownStabilization,
            RedisMemoryWarningRatio = RedisMemoryWarningRatio,
        };
        var request = new RecommendationRequest
        {
            Policy = policy,
            Target = target,
            CurrentReplicas = CurrentReplicas,
            Environment = Environment?.Name,
            DatabaseServer = DatabaseTarget(),
            DatabaseConnectionsPerWorker = DatabaseConnectionsPerWorker,
            DatabaseConnectionReserve = DatabaseConnectionReserve,
            StateDirectory = StateDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(StateDirectory),
        };
        var recommendation = Run(token => WorkerScaleRecommender.RecommendAsync(_depths, request, token));
        foreach (var warning in recommendation.Warnings)
            WriteWarning(warning);
        WriteObject(recommendation);
    });

    private WorkerScaleTarget? ResolveTarget() => (Target is PSObject wrapped ? wrapped.BaseObject : Target) switch
    {
        null => null,
        WorkerScaleTarget target => target,
        string name when Environment is not null => ScalingSettings.GetTarget(Environment, name),
        string name => throw new OpsException(ScalingErrorIds.ScaleTargetNotFound, FailureKind.InvalidArgument,
            $"-Target '{name}' is a name: give -Environment too, so it can be looked up in Scaling.Targets (or pass a target from New-WorkerScaleTarget).", name),
        var other => throw new OpsException(ScalingErrorIds.ScaleTargetNotFound, FailureKind.InvalidArgument,
            $"-Target must be a worker scale target or the name of one, not a {other.GetType().Name}.", other),
    };

    private PostgresTarget? DatabaseTarget() => ParameterSetName switch
    {
        ServerSet => DatabaseServerResolver.FromServer(Server, Port, Credential.GetNetworkCredential()),
        EnvironmentDatabaseSet => DatabaseServerResolver.FromEnvironment(Environment ?? throw new OpsException(ScalingErrorIds.ScalePolicyInvalid,
            FailureKind.InvalidArgument, "-DatabaseServer names an entry of an environment file's DatabaseServers: give -Environment too."), DatabaseServer),
        _ => null,
    };

    private static OpsException BoundMissing(string parameter) => new(ScalingErrorIds.ScalePolicyInvalid, FailureKind.InvalidArgument,
        $"Give {parameter}, or a -Target whose Minimum and Maximum apply.");

    protected override OpsException? DescribeUnexpected(Exception e) => e is IOException or UnauthorizedAccessException
        ? new OpsException(ScalingErrorIds.RecommendationStateUnwritable, FailureKind.ResourceUnavailable,
            $"The scaling state could not be kept: {e.Message}. Give a writable -StateDirectory (or set OPSRUNBOOKS_STATE_DIR).", StateDirectory, e)
        : null;
}
