using System.Diagnostics;
using System.Security.Cryptography;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.Storage;

/// <summary>
/// Tries a store the way backups use it, with probe objects under a folder no database can have
/// (encoded database folders never start with '.'): writes one, reads it back, lists, writes an artifact
/// in parts, aborts one, tries to write over one, and deletes what it wrote. It tells whether a new
/// S3-compatible endpoint can be trusted before a backup is.
/// </summary>
public static class BackupStoreProbe
{
    public const string Write = "Write";
    public const string ReadBackIdentical = "ReadBackIdentical";
    public const string List = "List";
    public const string Delete = "Delete";
    public const string Multipart = "Multipart";
    public const string Abort = "Abort";
    public const string ConditionalPut = "ConditionalPut";

    private const string ProbeFolder = ".opsrunbooks-probe/";
    private const int SmallObjectBytes = 64 * 1024;

    public static async Task<BackupStoreTest> RunAsync(IBackupStore store, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var run = ProbeFolder + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var rows = new List<StoreCapabilityResult>();
        var written = new List<string>();
        var small = run + ".object";
        var content = RandomNumberGenerator.GetBytes(SmallObjectBytes);

        var (write, readBack) = await WriteSmallAsync(store, small, content, cancellationToken).ConfigureAwait(false);
        rows.Add(write);
        if (write.Status == StoreCapabilityStatus.Passed && readBack is null)
        {
            written.Add(small);
            readBack = await Timed(ReadBackIdentical, async () =>
            {
                var stored = await ReadAllAsync(store, small, cancellationToken).ConfigureAwait(false);
                return stored.AsSpan().SequenceEqual(content)
                    ? (StoreCapabilityStatus.Passed, $"{content.Length:N0} bytes read back unchanged")
                    : (StoreCapabilityStatus.Failed, $"{content.Length:N0} bytes written, {stored.Length:N0} different ones read back");
            }).ConfigureAwait(false);
        }
        rows.Add(readBack ?? Skipped(ReadBackIdentical, "nothing was written"));

        rows.Add(written.Count == 0
            ? Skipped(List, "nothing was kept to list")
            : await Timed(List, async () =>
            {
                var found = await FindAsync(store, run, cancellationToken).ConfigureAwait(false);
                return found.SingleOrDefault(o => o.Name == small) is { } item
                    ? (StoreCapabilityStatus.Passed, $"listed with {item.Size:N0} bytes")
                    : (StoreCapabilityStatus.Failed, $"'{small}' was written but is not listed");
            }).ConfigureAwait(false));

        rows.Add(await MultipartAsync(store, run + ".artifact", written, cancellationToken).ConfigureAwait(false));
        rows.Add(await AbortAsync(store, run + ".aborted", cancellationToken).ConfigureAwait(false));
        rows.Add(await ConditionalPutAsync(store, run + ".conditional", written, cancellationToken).ConfigureAwait(false));

        rows.Add(written.Count == 0
            ? Skipped(Delete, "nothing was kept to delete")
            : await Timed(Delete, async () =>
            {
                foreach (var name in written) await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                var left = await FindAsync(store, run, cancellationToken).ConfigureAwait(false);
                return left.Count == 0
                    ? (StoreCapabilityStatus.Passed, $"{written.Count} probe objects deleted and no longer listed")
                    : (StoreCapabilityStatus.Failed, $"still listed after deletion: {string.Join(", ", left.Select(o => o.Name))}");
            }).ConfigureAwait(false));

        return new BackupStoreTest { Store = store.Location, Capabilities = rows, Duration = total.Elapsed };
    }

    /// <summary>
    /// A store that holds other bytes than it was sent fails the write itself (StoreContentMismatch):
    /// the server took the write, but what it keeps is not what was written.
    /// </summary>
    private static async Task<(StoreCapabilityResult Write, StoreCapabilityResult? ReadBack)> WriteSmallAsync(
        IBackupStore store, string name, byte[] content, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await store.WriteObjectAsync(name, content, cancellationToken).ConfigureAwait(false);
            return (new StoreCapabilityResult(Write, StoreCapabilityStatus.Passed, $"{content.Length:N0} bytes written", watch.Elapsed), null);
        }
        catch (OpsException e) when (e.ErrorId == StorageErrorIds.StoreContentMismatch)
        {
            return (new StoreCapabilityResult(Write, StoreCapabilityStatus.Passed, $"{content.Length:N0} bytes accepted", watch.Elapsed),
                new StoreCapabilityResult(ReadBackIdentical, StoreCapabilityStatus.Failed, e.Message, watch.Elapsed));
        }
        catch (OpsException e)
        {
            return (new StoreCapabilityResult(Write, StoreCapabilityStatus.Failed, $"{e.ErrorId}: {e.Message}", watch.Elapsed), null);
        }
    }

    private static Task<StoreCapabilityResult> MultipartAsync(IBackupStore store, string name, List<string> written, CancellationToken cancellationToken) =>
        Timed(Multipart, async () =>
        {
            // Two parts on S3, the second one short, as the end of every backup is.
            var partSize = store is S3BackupStore s3 ? (int)s3.Options.PartSize : 0;
            var content = RandomNumberGenerator.GetBytes(partSize + 256 * 1024);
            await using (var upload = await store.BeginUploadAsync(name, new Dictionary<string, string> { ["backup-type"] = "probe" }, cancellationToken).ConfigureAwait(false))
            {
                await upload.Content.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                try
                {
                    await upload.CompleteAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OpsException e) when (e.ErrorId == StorageErrorIds.StoreContentMismatch)
                {
                    return (StoreCapabilityStatus.Failed, e.Message);
                }
            }
            written.Add(name);
            var stored = await ReadAllAsync(store, name, cancellationToken).ConfigureAwait(false);
            var parts = partSize == 0 ? "one file" : "2 parts";
            return SHA256.HashData(stored).AsSpan().SequenceEqual(SHA256.HashData(content))
                ? (partSize == 0 ? StoreCapabilityStatus.NotApplicable : StoreCapabilityStatus.Passed, $"{content.Length:N0} bytes in {parts}, read back unchanged")
                : (StoreCapabilityStatus.Failed, $"{content.Length:N0} bytes written in {parts}, {stored.Length:N0} different ones read back");
        });

    private static Task<StoreCapabilityResult> AbortAsync(IBackupStore store, string name, CancellationToken cancellationToken) =>
        Timed(Abort, async () =>
        {
            var partSize = store is S3BackupStore s3 ? (int)s3.Options.PartSize : 64 * 1024;
            await using var upload = await store.BeginUploadAsync(name, new Dictionary<string, string> { ["backup-type"] = "probe" }, cancellationToken).ConfigureAwait(false);
            // One full part, so there is something on the server to discard.
            await upload.Content.WriteAsync(new byte[partSize], cancellationToken).ConfigureAwait(false);
            await upload.Content.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (await upload.AbortAsync().ConfigureAwait(false) is { } note)
                return (StoreCapabilityStatus.Unsupported, note);
            var listed = await FindAsync(store, name, cancellationToken).ConfigureAwait(false);
            return listed.Count == 0
                ? (StoreCapabilityStatus.Passed, "an unfinished write was discarded and is not listed")
                : (StoreCapabilityStatus.Failed, $"'{name}' is listed after its write was aborted");
        });

    private static Task<StoreCapabilityResult> ConditionalPutAsync(IBackupStore store, string name, List<string> written, CancellationToken cancellationToken) =>
        Timed(ConditionalPut, async () =>
        {
            if (store is S3BackupStore s3)
                return await s3.ProbeConditionalPutAsync(name, cancellationToken).ConfigureAwait(false);
            await store.WriteObjectAsync(name, "first"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            written.Add(name);
            try
            {
                await store.WriteObjectAsync(name, "second"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                return (StoreCapabilityStatus.Failed, "a second write of one name replaced the first");
            }
            catch (OpsException e) when (e.ErrorId == StorageErrorIds.StoreObjectExists)
            {
                return (StoreCapabilityStatus.Passed, "a second write of one name is refused");
            }
        });

    private static async Task<StoreCapabilityResult> Timed(string capability, Func<Task<(StoreCapabilityStatus Status, string Detail)>> probe)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var (status, detail) = await probe().ConfigureAwait(false);
            return new StoreCapabilityResult(capability, status, detail, watch.Elapsed);
        }
        catch (OpsException e)
        {
            var status = e.ErrorId == StorageErrorIds.StoreOperationUnsupported ? StoreCapabilityStatus.Unsupported : StoreCapabilityStatus.Failed;
            return new StoreCapabilityResult(capability, status, $"{e.ErrorId}: {e.Message}", watch.Elapsed);
        }
    }

    private static StoreCapabilityResult Skipped(string capability, string why) => new(capability, StoreCapabilityStatus.Skipped, why, TimeSpan.Zero);

    private static async Task<byte[]> ReadAllAsync(IBackupStore store, string name, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.ToArray();
    }

    private static async Task<List<StoredObject>> FindAsync(IBackupStore store, string prefix, CancellationToken cancellationToken)
    {
        var found = new List<StoredObject>();
        await foreach (var item in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false)) found.Add(item);
        return found;
    }
}
