using OpsRunbooks.Backup;
using OpsRunbooks.Storage;
using Xunit;
using static OpsRunbooks.Core.Tests.Backup.TestBackups;

namespace OpsRunbooks.Core.Tests.Backup;

public sealed class BackupRemovalTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("opsrunbooks-removal-").FullName;
    private readonly LocalDirectoryStore _store;

    public BackupRemovalTests() => _store = new LocalDirectoryStore(_root);

    private List<string> Files() =>
        Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_root, f)).Order().ToList();

    [Fact]
    public async Task RemovesTheManifestAndTheArtifactOfOneBackup()
    {
        var older = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        var newer = await WriteAsync(_store, "app", Utc(2025, 6, 2));

        await BackupRemoval.RemoveAsync(older, CancellationToken.None);

        Assert.Equal([newer.Id], (await ListAsync(_store)).Select(b => b.Id));
        Assert.Equal([newer.ArtifactName, newer.ManifestName], Files());
    }

    [Fact]
    public async Task RemovingABackupAnotherRunRemovedAlreadyIsNotAnError()
    {
        var backup = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        await BackupRemoval.RemoveAsync(backup, CancellationToken.None);
        await BackupRemoval.RemoveAsync(backup, CancellationToken.None);
        Directory.Delete(Path.Combine(_root, "app"));
        await BackupRemoval.RemoveAsync(backup, CancellationToken.None);
        Assert.Empty(Files());
    }

    [Fact]
    public async Task TheManifestGoesFirst()
    {
        var backup = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        var recording = new RecordingStore(_store);
        await BackupRemoval.RemoveAsync(Rebind(backup, recording), CancellationToken.None);
        Assert.Equal([backup.ManifestName, backup.ArtifactName], recording.Deleted);
    }

    [Fact]
    public async Task AnInterruptedRemovalLeavesNoListedBackupWithoutItsData()
    {
        var backup = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        var failing = new RecordingStore(_store, failDeleting: BackupNaming.ArtifactSuffix);

        var error = await Assert.ThrowsAsync<OpsException>(() => BackupRemoval.RemoveAsync(Rebind(backup, failing), CancellationToken.None));
        Assert.Equal("BackupRemovalFailed", error.ErrorId);
        Assert.Contains("no longer listed", error.Message);
        Assert.Contains(backup.ArtifactName, error.Message);
        Assert.Contains("connection to the store was lost", error.Message);

        // The artifact is still there, but no manifest lists it: it is not a backup any more.
        Assert.Equal([backup.ArtifactName], Files());
        Assert.Empty(await ListAsync(_store));
    }

    [Fact]
    public async Task WhenTheManifestCannotBeDeletedNothingIsRemoved()
    {
        var backup = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        var failing = new RecordingStore(_store, failDeleting: BackupNaming.ManifestSuffix);

        var error = await Assert.ThrowsAsync<OpsException>(() => BackupRemoval.RemoveAsync(Rebind(backup, failing), CancellationToken.None));
        Assert.Equal("BackupRemovalFailed", error.ErrorId);
        Assert.Contains("nothing was removed", error.Message);
        Assert.Empty(failing.Deleted);
        Assert.Equal([backup.Id], (await ListAsync(_store)).Select(b => b.Id));
    }

    [Fact]
    public async Task RemovingTwiceIsHarmless()
    {
        var backup = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        await BackupRemoval.RemoveAsync(backup, CancellationToken.None);
        await BackupRemoval.RemoveAsync(backup, CancellationToken.None);
        Assert.Empty(Files());
    }

    [Fact]
    public async Task ARecordWithoutAStoreIsRefused()
    {
        var error = await Assert.ThrowsAsync<OpsException>(() => BackupRemoval.RemoveAsync(Record("app", Utc(2025, 6, 1)), CancellationToken.None));
        Assert.Equal("BackupStoreUnknown", error.ErrorId);
    }

    [Theory]
    [InlineData("billing/app_1.manifest.json", "app/app_1.dump.pgp")]
    [InlineData("app/app_1.manifest.json", "app/app_1.manifest.json")]
    [InlineData("app/../billing/b.manifest.json", "app/app_1.dump.pgp")]
    [InlineData("app/app_1.manifest.json", "")]
    public async Task NamesOutsideTheDatabasesFolderAreRefusedAndNothingIsDeleted(string manifestName, string artifactName)
    {
        var other = await WriteAsync(_store, "billing", Utc(2025, 6, 1));
        var backup = await WriteAsync(_store, "app", Utc(2025, 6, 1));
        var before = Files();
        backup.ManifestName = manifestName;
        backup.ArtifactName = artifactName;

        var error = await Assert.ThrowsAsync<OpsException>(() => BackupRemoval.RemoveAsync(backup, CancellationToken.None));
        Assert.Equal("BackupNamesInvalid", error.ErrorId);
        Assert.Equal(before, Files());
        Assert.Contains(other.Id, (await ListAsync(_store)).Select(b => b.Id));
    }

    private static BackupRecord Rebind(BackupRecord backup, IBackupStore store)
    {
        backup.Store = store;
        return backup;
    }

    /// <summary>A store that records what is deleted through it and can fail deleting names with a suffix, as a lost connection would.</summary>
    private sealed class RecordingStore(IBackupStore inner, string? failDeleting = null) : IBackupStore
    {
        public List<string> Deleted { get; } = [];

        public string Location => inner.Location;

        public Task<IArtifactUpload> BeginUploadAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
            inner.BeginUploadAsync(name, metadata, cancellationToken);

        public Task WriteObjectAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
            inner.WriteObjectAsync(name, content, cancellationToken);

        public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken)
        {
            if (failDeleting is not null && name.EndsWith(failDeleting, StringComparison.Ordinal))
                throw new IOException("The connection to the store was lost.");
            Deleted.Add(name);
            return inner.DeleteAsync(name, cancellationToken);
        }

        public IAsyncEnumerable<IncompleteWrite> ListIncompleteWritesAsync(CancellationToken cancellationToken) => inner.ListIncompleteWritesAsync(cancellationToken);

        public Task RemoveIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken) => inner.RemoveIncompleteWriteAsync(write, cancellationToken);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
