using System.Runtime.CompilerServices;

namespace OpsRunbooks.Storage;

/// <summary>
/// A store in a local directory. Artifacts are written to a ".partial" file and renamed when complete;
/// small objects are written to a temporary file and renamed, so a crash never leaves a half-written
/// object under its real name.
/// </summary>
public sealed class LocalDirectoryStore : IBackupStore
{
    private const string PartialSuffix = ".partial";

    public LocalDirectoryStore(string rootPath)
    {
        if (string.IsNullOrWhiteSpace(rootPath))
            throw new OpsException("StorePathMissing", FailureKind.InvalidArgument, "A local backup store needs a directory path.");
        RootPath = Path.GetFullPath(rootPath);
    }

    public string RootPath { get; }

    public string Location => "local:" + RootPath;

    public override string ToString() => Location;

    public Task<IArtifactUpload> BeginUploadAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        var partialPath = finalPath + PartialSuffix;
        var stream = new FileStream(partialPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20, FileOptions.Asynchronous);
        return Task.FromResult<IArtifactUpload>(new LocalUpload(stream, partialPath, finalPath));
    }

    public async Task WriteObjectAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        var temporaryPath = finalPath + PartialSuffix;
        try
        {
            await using (var stream = new FileStream(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporaryPath, finalPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporaryPath);
            throw;
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(RootPath)) yield break;
        foreach (var file in Directory.EnumerateFiles(RootPath, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.EndsWith(PartialSuffix, StringComparison.Ordinal)) continue;
            var name = Path.GetRelativePath(RootPath, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var info = new FileInfo(file);
            yield return new StoredObject(name, info.Length, info.LastWriteTimeUtc);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
            throw new OpsException("BackupObjectNotFound", FailureKind.NotFound, $"'{name}' does not exist in {Location}.", name);
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<IncompleteWrite> ListIncompleteWritesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(RootPath)) yield break;
        foreach (var file in Directory.EnumerateFiles(RootPath, "*" + PartialSuffix, SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            // Gone between the listing and now: its writer completed or aborted it.
            if (!info.Exists) continue;
            yield return new IncompleteWrite(Path.GetRelativePath(RootPath, file).Replace(Path.DirectorySeparatorChar, '/'),
                new DateTimeOffset(info.LastWriteTimeUtc), info.Length, UploadId: null);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task RemoveIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken)
    {
        if (!write.Key.EndsWith(PartialSuffix, StringComparison.Ordinal))
            throw new OpsException(StorageErrorIds.InvalidObjectName, FailureKind.InvalidArgument,
                $"'{write.Key}' is not an incomplete write in {Location}: those end in '{PartialSuffix}'. Nothing was removed.", write);
        File.Delete(PathOf(write.Key));
        return Task.CompletedTask;
    }

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(RootPath, name));
        if (!path.StartsWith(RootPath + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new OpsException(StorageErrorIds.InvalidObjectName, FailureKind.InvalidArgument, $"'{name}' is not a name inside {Location}.", name);
        return path;
    }

    private sealed class LocalUpload(FileStream stream, string partialPath, string finalPath) : IArtifactUpload
    {
        private bool _finished;

        public Stream Content => stream;

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Move(partialPath, finalPath, overwrite: false);
            _finished = true;
        }

        public async Task<string?> AbortAsync()
        {
            if (_finished) return null;
            _finished = true;
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Delete(partialPath);
            return null;
        }

        public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);
    }
}
