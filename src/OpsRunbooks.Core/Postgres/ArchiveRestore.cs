using System.Buffers;

namespace OpsRunbooks.Postgres;

/// <summary>Feeds a custom-format archive, as a stream, into pg_restore.</summary>
public static class ArchiveRestore
{
    private const int ChunkSize = 1 << 20;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Copies <paramref name="archive"/> into the standard input of <paramref name="pgRestore"/> and waits
    /// for it to succeed. When pg_restore stops early, its own error is what fails, not the broken pipe.
    /// </summary>
    /// <param name="onProgress">Told the archive bytes fed so far, at most every quarter second.</param>
    public static async Task FeedAsync(Stream archive, PgClientProcess pgRestore, object target, Action<long> onProgress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        long total = 0;
        var throttle = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            int read;
            while ((read = await archive.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await WriteAsync(pgRestore, buffer.AsMemory(0, read), target, cancellationToken).ConfigureAwait(false);
                total += read;
                if (throttle.Elapsed < ProgressInterval) continue;
                onProgress(total);
                throttle.Restart();
            }
            await pgRestore.Input.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await pgRestore.WaitForSuccessAsync(target, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteAsync(PgClientProcess pgRestore, ReadOnlyMemory<byte> data, object target, CancellationToken cancellationToken)
    {
        try
        {
            await pgRestore.Input.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // pg_restore closed its input: its exit code and message tell why.
            await pgRestore.WaitForSuccessAsync(target, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }
}
