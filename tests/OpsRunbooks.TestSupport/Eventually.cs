namespace OpsRunbooks.TestSupport;

/// <summary>Waiting for what a server does in its own time: a condition polled until it holds or the limit passes.</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan limit)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > limit) throw new TimeoutException($"Waited {limit.TotalSeconds:0} s in vain for: {what}.");
            await Task.Delay(Poll);
        }
    }

    public static Task WaitForAsync(Func<bool> condition, string what, TimeSpan limit) =>
        WaitForAsync(() => Task.FromResult(condition()), what, limit);
}
