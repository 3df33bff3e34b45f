using System.Text;
using OpsRunbooks.Storage;
using Xunit;

namespace OpsRunbooks.Core.Tests.Storage;

public sealed class LocalDirectoryStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("opsrunbooks-local-").FullName;
    private readonly Dictionary<string, string> _metadata = new();

    private LocalDirectoryStore Store => new(_root);

    private async Task<List<string>> NamesAsync()
    {
        var names = new List<string>();
        await foreach (var item in Store.ListAsync("", CancellationToken.None)) names.Add(item.Name);
        return names;
    }

    [Fact]
    public async Task AnArtifactIsInvisibleUntilCompleted()
    {
        await using var upload = await Store.BeginUploadAsync("db/a.dump.pgp", _metadata, CancellationToken.None);
        await upload.Content.WriteAsync(Encoding.UTF8.GetBytes("partial"));
        Assert.Empty(await NamesAsync());

        await upload.CompleteAsync(CancellationToken.None);
        Assert.Equal(["db/a.dump.pgp"], await NamesAsync());
        await using var read = await Store.OpenReadAsync("db/a.dump.pgp", CancellationToken.None);
        Assert.Equal("partial", await new StreamReader(read).ReadToEndAsync());
    }

    [Fact]
    public async Task AnAbortedArtifactLeavesNoFile()
    {
        var upload = await Store.BeginUploadAsync("db/b.dump.pgp", _metadata, CancellationToken.None);
        await upload.Content.WriteAsync(new byte[4096]);
        await upload.AbortAsync();
        await upload.DisposeAsync();
        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ObjectsAreWrittenOnceNeverOverAndListedByPrefix()
    {
        await Store.WriteObjectAsync("one/m.json", Encoding.UTF8.GetBytes("first"), CancellationToken.None);
        var again = await Assert.ThrowsAsync<OpsException>(() => Store.WriteObjectAsync("one/m.json", Encoding.UTF8.GetBytes("second"), CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreObjectExists, again.ErrorId);
        await Store.WriteObjectAsync("two/m.json", Encoding.UTF8.GetBytes("other"), CancellationToken.None);

        var names = new List<string>();
        await foreach (var item in Store.ListAsync("one/", CancellationToken.None)) names.Add(item.Name);
        Assert.Equal(["one/m.json"], names);
        Assert.Equal("first", await File.ReadAllTextAsync(Path.Combine(_root, "one", "m.json")));
        Assert.Empty(Directory.EnumerateFiles(_root, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ASecondWriterOfAnArtifactFailsAtOnceAndTheFirstCompletes()
    {
        await using var first = await Store.BeginUploadAsync("db/a.dump.pgp", _metadata, CancellationToken.None);
        var second = await Assert.ThrowsAsync<OpsException>(() => Store.BeginUploadAsync("db/a.dump.pgp", _metadata, CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreObjectExists, second.ErrorId);
        await first.Content.WriteAsync(Encoding.UTF8.GetBytes("first"));
        await first.CompleteAsync(CancellationToken.None);
        Assert.Equal(["db/a.dump.pgp"], await NamesAsync());

        var third = await Assert.ThrowsAsync<OpsException>(() => Store.BeginUploadAsync("db/a.dump.pgp", _metadata, CancellationToken.None));
        Assert.Equal(StorageErrorIds.StoreObjectExists, third.ErrorId);
    }

    [Fact]
    public async Task AStorePathThatIsAFileIsAnErrorNotAnEmptyStore()
    {
        var file = Path.Combine(_root, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var error = Assert.Throws<OpsException>(() => new LocalDirectoryStore(file));
        Assert.Equal(StorageErrorIds.StorePathNotADirectory, error.ErrorId);
        Assert.Contains("is a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingStoreDirectoryListsNothingAndIsCreatedByTheFirstWrite()
    {
        var store = new LocalDirectoryStore(Path.Combine(_root, "new", "store"));
        await foreach (var _ in store.ListAsync("", CancellationToken.None)) Assert.Fail("a store that does not exist yet holds nothing");
        Assert.False(Directory.Exists(store.RootPath));
        await store.WriteObjectAsync("db/m.json", new byte[1], CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(store.RootPath, "db", "m.json")));
    }

    [Fact]
    public async Task DeletingWhatIsGoneAlreadyIsNotAnError()
    {
        await Store.DeleteAsync("db/none.manifest.json", CancellationToken.None);
        await Store.DeleteAsync("no-folder/none.manifest.json", CancellationToken.None);
    }

    [Fact]
    public async Task NamesOutsideTheStoreAreRefused()
    {
        var error = await Assert.ThrowsAsync<OpsException>(() => Store.WriteObjectAsync("../escape.json", new byte[1], CancellationToken.None));
        Assert.Equal("InvalidObjectName", error.ErrorId);
    }

    [Fact]
    public async Task ReadingAMissingObjectIsNotFound()
    {
        var error = await Assert.ThrowsAsync<OpsException>(() => Store.OpenReadAsync("db/none", CancellationToken.None));
        Assert.Equal(FailureKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task AWriteNeverCompletedIsListedAsIncompleteAndRemovable()
    {
        var abandoned = await Store.BeginUploadAsync("db/c.dump.pgp", _metadata, CancellationToken.None);
        await abandoned.Content.WriteAsync(new byte[3000]);
        await abandoned.Content.FlushAsync();
        // A killed process neither completes nor aborts: only its file handle goes away.
        abandoned.Content.Dispose();

        var writes = new List<IncompleteWrite>();
        await foreach (var write in Store.ListIncompleteWritesAsync(CancellationToken.None)) writes.Add(write);
        var found = Assert.Single(writes);
        Assert.Equal("db/c.dump.pgp.partial", found.Key);
        Assert.Equal(3000, found.Size);
        Assert.Null(found.UploadId);
        Assert.InRange(found.Started, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Empty(await NamesAsync());

        await Store.RemoveIncompleteWriteAsync(found, CancellationToken.None);
        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
        // Removed already (by a concurrent clean-up): not an error.
        await Store.RemoveIncompleteWriteAsync(found, CancellationToken.None);
    }

    [Fact]
    public async Task OnlyPartialFilesCanBeRemovedAsIncompleteWrites()
    {
        await Store.WriteObjectAsync("db/m.manifest.json", new byte[1], CancellationToken.None);
        var error = await Assert.ThrowsAsync<OpsException>(() =>
            Store.RemoveIncompleteWriteAsync(new IncompleteWrite("db/m.manifest.json", DateTimeOffset.UtcNow, 1, null), CancellationToken.None));
        Assert.Equal(StorageErrorIds.InvalidObjectName, error.ErrorId);
        Assert.Equal(["db/m.manifest.json"], await NamesAsync());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
