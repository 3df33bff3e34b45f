using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;

namespace OpsRunbooks.Health;

/// <summary>
/// One check of one target. A subclass measures in <see cref="EvaluateAsync"/> and records what it finds; this base
/// times it, bounds it by <see cref="Timeout"/>, and turns a target that cannot be reached or answers nonsense into an
/// Unhealthy result with the reason, so a check always yields exactly one result. Only the caller's cancellation
/// (Ctrl+C) and defects escape.
/// </summary>
public abstract class HealthCheck
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    protected HealthCheck(string check, string target, TimeSpan? timeout)
    {
        Check = check;
        Target = target;
        Timeout = timeout ?? DefaultTimeout;
        if (Timeout <= TimeSpan.Zero)
            throw new OpsException(HealthErrorIds.HealthThresholdInvalid, FailureKind.InvalidArgument,
                $"The timeout of the {check} check of {target} must be longer than zero, not {Timeout}.", target);
    }

    /// <summary>The kind of check: Http, Tls, Postgres, Redis, Disk.</summary>
    public string Check { get; }

    public string Target { get; }

    /// <summary>How long the whole check may take; the token given to <see cref="EvaluateAsync"/> ends then.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Measures the target and records values, thresholds and findings; may throw when the target fails (see <see cref="DescribeFailure"/>).</summary>
    protected abstract Task EvaluateAsync(HealthFindings findings, CancellationToken cancellationToken);

    public async Task<HealthCheckResult> RunAsync(CancellationToken cancellationToken)
    {
        var checkedAt = DateTime.UtcNow;
        var stopwatch = Stopwatch.StartNew();
        var findings = new HealthFindings();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            await EvaluateAsync(findings, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            findings.Unhealthy(HealthFindings.Invariant($"no answer within the timeout of {Describe(Timeout)}"));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && DescribeFailure(e) is { } reason)
        {
            findings.Unhealthy(reason);
        }
        return findings.ToResult(Check, Target, stopwatch.Elapsed, checkedAt);
    }

    /// <summary>
    /// The reason an exception from <see cref="EvaluateAsync"/> makes the target Unhealthy, or null for a defect, which
    /// is left to surface. By default: expected failures (their message) and network, TLS and I/O failures.
    /// </summary>
    protected virtual string? DescribeFailure(Exception e) => e switch
    {
        OpsException known => known.Message,
        TimeoutException => HealthFindings.Invariant($"no answer within the timeout of {Describe(Timeout)}"),
        HttpRequestException or SocketException or IOException or AuthenticationException => Innermost(e).Message,
        _ => null,
    };

    /// <summary>The innermost exception's message is the one that names the cause (connection refused, ...).</summary>
    protected static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>A duration as people write it: 500 ms, 10 s, 00:05:00.</summary>
    public static string Describe(TimeSpan span) =>
        span < TimeSpan.FromSeconds(1) ? HealthFindings.Invariant($"{span.TotalMilliseconds:0} ms")
        : span < TimeSpan.FromMinutes(1) ? HealthFindings.Invariant($"{span.TotalSeconds:0.#} s")
        : span.ToString(span.Days > 0 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
}
