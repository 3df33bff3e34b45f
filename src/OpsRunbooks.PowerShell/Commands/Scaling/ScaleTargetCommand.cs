using System.Net.Http;
using System.Net.Sockets;
using OpsRunbooks.Environments;
using OpsRunbooks.Scaling;
using OpsRunbooks.Scaling.Targets;

namespace OpsRunbooks.PowerShell.Commands.Scaling;

/// <summary>What the cmdlets acting on scale targets share: targets named in an environment, and network failures as scaling errors.</summary>
public abstract class ScaleTargetCommand : OpsCmdlet
{
    protected const string TargetSet = "Target";
    protected const string EnvironmentSet = "Environment";

    /// <summary>The targets of <paramref name="environment"/> called <paramref name="names"/>, or all of them when none are named.</summary>
    protected static IReadOnlyList<WorkerScaleTarget> TargetsOf(OpsEnvironment environment, string[]? names) =>
        names is { Length: > 0 }
            ? names.Select(name => ScalingSettings.GetTarget(environment, name)).ToArray()
            : ScalingSettings.Of(environment).Targets;

    protected override OpsException? DescribeUnexpected(Exception e) => e is HttpRequestException or IOException or SocketException
        ? new OpsException(ScalingErrorIds.ScaleTargetUnreachable, FailureKind.ConnectionFailed, $"The scale target could not be reached: {e.Message}", null, e)
        : null;
}
