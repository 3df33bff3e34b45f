namespace OpsRunbooks.Health;

/// <summary>Runs many checks at once, at most a throttle limit of them at a time, and returns one result each, in their order.</summary>
public static class HealthCheckRun
{
    /// <summary>Checks mostly wait on the network, so more of them run at once than there are cores.</summary>
    public const int DefaultThrottleLimit = 16;

    /// <summary>
    /// The results of <paramref name="checks"/>, in the same order; <paramref name="completed"/> hears of each as it ends
    /// (from any thread). Every check runs to its own end or timeout: a slow one holds up no other beyond the limit.
    /// </summary>
    public static async Task<IReadOnlyList<HealthCheckResult>> RunAsync(IReadOnlyList<HealthCheck> checks, int throttleLimit,
        Action<HealthCheckResult>? completed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throttleLimit, 1);
        using var slots = new SemaphoreSlim(throttleLimit);
        var running = checks.Select(async check =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await Task.Run(() => check.RunAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                completed?.Invoke(result);
                return result;
            }
            finally
            {
                slots.Release();
            }
        }).ToArray();
        return await Task.WhenAll(running).ConfigureAwait(false);
    }
}
