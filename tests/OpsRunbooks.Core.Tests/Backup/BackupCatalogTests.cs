using System.Runtime.CompilerServices;
using OpsRunbooks.Backup;
using OpsRunbooks.Storage;
using Xunit;
using static OpsRunbooks.Core.Tests.Backup.TestBackups;

namespace OpsRunbooks.Core.Tests.Backup;

public sealed class BackupCatalogTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("opsrunbooks-catalog-").FullName;
    private LocalDirectoryStore Store => new(_root);

    private Task<IReadOnlyList<BackupRecord>> ListAsync(IBackupStore store, string database) =>
        BackupCatalog.ListAsync(store, database, null, e => throw e, CancellationToken.None);

    [Fact]
    public async Task ADatabaseListsItsOwnBackupsWhateverTheOtherNamesLookLike()
    {
        var shop = await WriteAsync(Store, "shop", Utc(2026, 3, 1));
        var sneaky = await WriteAsync(Store, "sub/../shop", Utc(2026, 3, 2));
        var a = await WriteAsync(Store, "a", Utc(2026, 3, 1));
        var ab = await WriteAsync(Store, "a/b", Utc(2026, 3, 2));

        Assert.Equal([shop.Id], (await ListAsync(Store, "shop")).Select(b => b.Id));
        Assert.Equal([sneaky.Id], (await ListAsync(Store, "sub/../shop")).Select(b => b.Id));
        Assert.Equal([a.Id], (await ListAsync(Store, "a")).Select(b => b.Id));
        Assert.Equal([ab.Id], (await ListAsync(Store, "a/b")).Select(b => b.Id));
        // One folder level per database, none outside the store.
        Assert.Equal(["a", "a%2Fb", "shop", "sub%2F..%2Fshop"], Directory.GetDirectories(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task BackupsWrittenBeforeNamesWereEncodedAreStillListed()
    {
        // The old layout: the folder is the raw name, the id starts with it.
        var legacy = Record("café", Utc(2025, 12, 1), store: Store);
        legacy.Id = "café_20251201T020000000Z";
        legacy.ArtifactName = "café/café_20251201T020000000Z.dump.pgp";
        legacy.ManifestName = "café/café_20251201T020000000Z.manifest.json";
        await Store.WriteObjectAsync(legacy.ManifestName, BackupManifestSerializer.Serialize(legacy), CancellationToken.None);
        var current = await WriteAsync(Store, "café", Utc(2026, 3, 1));

        Assert.Equal([current.Id, legacy.Id], (await ListAsync(Store, "café")).Select(b => b.Id));
        Assert.StartsWith("caf%C3%A9/", current.ManifestName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManifestRemovedWhileTheStoreIsListedIsSkipped()
    {
        var first = await WriteAsync(Store, "shop", Utc(2026, 3, 1));
        var second = await WriteAsync(Store, "shop", Utc(2026, 3, 2));
        var racing = new RemovingWhileListedStore(Store);

        var listed = await ListAsync(racing, "shop");

        var removed = Assert.Single(racing.Removed);
        var kept = new[] { first, second }.Single(b => b.ManifestName != removed);
        Assert.Equal(kept.Id, Assert.Single(listed).Id);
    }

    /// <summary>Another retention run: removes each manifest right after it has been listed, before it is read.</summary>
    private sealed class RemovingWhileListedStore(LocalDirectoryStore inner) : IBackupStore
    {
        public List<string> Removed { get; } = [];
        public string Location => inner.Location;
        public Task<IArtifactUpload> BeginUploadAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
            inner.BeginUploadAsync(name, metadata, cancellationToken);
        public Task WriteObjectAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.WriteObjectAsync(name, content, cancellationToken);

        public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var item in inner.ListAsync(prefix, cancellationToken))
            {
                if (Removed.Count == 0 && item.Name.EndsWith(BackupNaming.ManifestSuffix, StringComparison.Ordinal))
                {
                    await inner.DeleteAsync(item.Name, cancellationToken);
                    Removed.Add(item.Name);
                }
                yield return item;
            }
        }

        public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);
        public Task DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);
        public IAsyncEnumerable<IncompleteWrite> ListIncompleteWritesAsync(CancellationToken cancellationToken) => inner.ListIncompleteWritesAsync(cancellationToken);
        public Task RemoveIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken) => inner.RemoveIncompleteWriteAsync(write, cancellationToken);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
