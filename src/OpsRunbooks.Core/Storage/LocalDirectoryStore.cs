using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using OpsRunbooks.IO;

namespace OpsRunbooks.Storage;

/// <summary>
/// A store in a local directory. Artifacts are written to a ".partial" file and renamed when complete;
/// small objects are written to a temporary ".partial" file and renamed, so a crash never leaves a
/// half-written object under its real name, and nothing is ever written over an existing object. The
/// directory is created when the first object is written; listing a directory that does not exist yet
/// finds nothing.
/// </summary>
public sealed class LocalDirectoryStore : IBackupStore
{
    private const string PartialSuffix = ".partial";

    public LocalDirectoryStore(string rootPath)
    {
        if (string.IsNullOrWhiteSpace(rootPath))
            throw new OpsException("StorePathMissing", FailureKind.InvalidArgument, "A local backup store needs a directory path.");
        RootPath = Path.GetFullPath(rootPath).TrimEnd(Path.DirectorySeparatorChar) is { Length: > 0 } trimmed ? trimmed : Path.DirectorySeparatorChar.ToString();
        ThrowIfRootIsAFile();
    }

    public string RootPath { get; }

    public string Location => "local:" + RootPath;

    public override string ToString() => Location;

    public Task<IArtifactUpload> BeginUploadAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(name);
        var partialPath = finalPath + PartialSuffix;
        FileStream stream;
        try
        {
            CreateFolderOf(finalPath);
            ThrowIfExists(name, finalPath);
            // CreateNew: a second writer of the same name fails here instead of writing over the first.
            stream = new FileStream(partialPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20, FileOptions.Asynchronous);
        }
        catch (IOException e) when (File.Exists(partialPath))
        {
            throw Exists(name, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(e, $"Starting to write '{name}'");
        }
        return Task.FromResult<IArtifactUpload>(new LocalUpload(this, name, stream, partialPath, finalPath));
    }

    public async Task WriteObjectAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(name);
        // A name of its own per writer, so two writers of one object never share a temporary file.
        var temporaryPath = $"{finalPath}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}{PartialSuffix}";
        try
        {
            CreateFolderOf(finalPath);
            ThrowIfExists(name, finalPath);
            await using (var stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            MoveIntoPlace(name, temporaryPath, finalPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temporaryPath);
            throw Failed(e, $"Writing '{name}'");
        }
        catch
        {
            DeleteQuietly(temporaryPath);
            throw;
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfRootIsAFile();
        if (!Directory.Exists(RootPath)) yield break;
        foreach (var file in Directory.EnumerateFiles(RootPath, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.EndsWith(PartialSuffix, StringComparison.Ordinal)) continue;
            var name = NameOf(file);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var info = new FileInfo(file);
            // Removed since the directory was read (another retention run): skipped, not an error.
            if (!info.Exists) continue;
            yield return new StoredObject(name, info.Length, info.LastWriteTimeUtc);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OpsException(StorageErrorIds.BackupObjectNotFound, FailureKind.NotFound, $"'{name}' does not exist in {Location}.", name, e);
        }
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        DeleteFile(PathOf(name), $"Deleting '{name}'");
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<IncompleteWrite> ListIncompleteWritesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfRootIsAFile();
        if (!Directory.Exists(RootPath)) yield break;
        foreach (var file in Directory.EnumerateFiles(RootPath, "*" + PartialSuffix, SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            // Gone between the listing and now: its writer completed or aborted it.
            if (!info.Exists) continue;
            yield return new IncompleteWrite(NameOf(file), new DateTimeOffset(info.LastWriteTimeUtc), info.Length, UploadId: null);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task RemoveIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken)
    {
        if (!write.Key.EndsWith(PartialSuffix, StringComparison.Ordinal))
            throw new OpsException(StorageErrorIds.InvalidObjectName, FailureKind.InvalidArgument,
                $"'{write.Key}' is not an incomplete write in {Location}: those end in '{PartialSuffix}'. Nothing was removed.", write);
        DeleteFile(PathOf(write.Key), $"Removing the incomplete write '{write.Key}'");
        return Task.CompletedTask;
    }

    private string NameOf(string file) => Path.GetRelativePath(RootPath, file).Replace(Path.DirectorySeparatorChar, '/');

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(RootPath, name));
        if (!path.StartsWith(RootPath.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new OpsException(StorageErrorIds.InvalidObjectName, FailureKind.InvalidArgument, $"'{name}' is not a name inside {Location}.", name);
        return path;
    }

    private void ThrowIfRootIsAFile()
    {
        if (File.Exists(RootPath))
            throw new OpsException(StorageErrorIds.StorePathNotADirectory, FailureKind.InvalidArgument,
                $"The store path '{RootPath}' is a file, not a directory. Give the path of a directory (it is created when the first backup is written).", RootPath);
    }

    private void CreateFolderOf(string path)
    {
        ThrowIfRootIsAFile();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    }

    private void ThrowIfExists(string name, string finalPath)
    {
        if (File.Exists(finalPath)) throw Exists(name, null);
    }

    /// <summary>Renames a finished temporary file to its name; never over an existing object.</summary>
    private void MoveIntoPlace(string name, string temporaryPath, string finalPath)
    {
        try
        {
            File.Move(temporaryPath, finalPath, overwrite: false);
        }
        catch (IOException e) when (File.Exists(finalPath))
        {
            throw Exists(name, e);
        }
    }

    private void DeleteFile(string path, string what)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its folder is gone too: removed already, which is what was asked.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(e, what);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure that brought us here is the one to report.
        }
    }

    private OpsException Exists(string name, Exception? inner) =>
        new(StorageErrorIds.StoreObjectExists, FailureKind.ResourceExists,
            $"'{name}' already exists in {Location}, or another writer is writing it now; nothing was written over it. Run the backup again: it gets a new id.", name, inner);

    /// <summary>A file-system failure as the operator should read it: full, read-only, or otherwise failed.</summary>
    internal OpsException Failed(Exception e, string what) => LocalFailure.Of(e, what, Location, RootPath);

    private sealed class LocalUpload(LocalDirectoryStore store, string name, FileStream file, string partialPath, string finalPath) : IArtifactUpload
    {
        private readonly TranslatingStream _content = new(file, store, name);
        private bool _finished;

        public Stream Content => _content;

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            try
            {
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                await file.DisposeAsync().ConfigureAwait(false);
                store.MoveIntoPlace(name, partialPath, finalPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw store.Failed(e, $"Completing '{name}'");
            }
            _finished = true;
        }

        public async Task<string?> AbortAsync()
        {
            if (_finished) return null;
            _finished = true;
            try
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Flushing what is buffered fails on a full disk; the handle is closed all the same,
                // and the file is deleted below either way.
            }
            try
            {
                File.Delete(partialPath);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"Could not delete '{partialPath}' ({e.Message}); delete it by hand. It is not a backup.";
            }
        }

        public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);
    }

    /// <summary>The partial file as the backup writes it, with its failures named.</summary>
    private sealed class TranslatingStream(FileStream file, LocalDirectoryStore store, string name) : WriteOnlyStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                file.Write(buffer);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw store.Failed(e, $"Writing '{name}'");
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                await file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw store.Failed(e, $"Writing '{name}'");
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
            try
            {
                file.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw store.Failed(e, $"Writing '{name}'");
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flush();
            return Task.CompletedTask;
        }
    }
}
