namespace OpsRunbooks.Storage;

/// <summary>
/// Where backups live. Names are relative, '/'-separated keys; a store maps them onto a directory or
/// an object-storage prefix. Anything the backup cmdlets do goes through this interface, so a new kind
/// of store is a new implementation and nothing else.
/// </summary>
public interface IBackupStore
{
    /// <summary>A human-readable location such as "local:/var/backups" or "s3://bucket/prefix".</summary>
    string Location { get; }

    /// <summary>
    /// Starts writing an artifact. Nothing is visible under <paramref name="name"/> until it completes, and an
    /// existing object of that name is never written over (StoreObjectExists). Completing it confirms that the
    /// store holds what was sent (StoreContentMismatch otherwise, with what was written removed).
    /// </summary>
    Task<IArtifactUpload> BeginUploadAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a small object in one piece, atomically: readers see all of it or none of it. Never over an
    /// existing object (StoreObjectExists); what the store then holds is checked against what was sent.
    /// </summary>
    Task WriteObjectAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Lists completed objects whose names start with <paramref name="prefix"/>; one removed meanwhile is left out.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Writes that were started and neither completed nor aborted, oldest or newest in no particular order.</summary>
    IAsyncEnumerable<IncompleteWrite> ListIncompleteWritesAsync(CancellationToken cancellationToken);

    /// <summary>Discards an incomplete write; one that is already gone is not an error.</summary>
    Task RemoveIncompleteWriteAsync(IncompleteWrite write, CancellationToken cancellationToken);
}

/// <summary>An artifact being written: the content stream, then exactly one of Complete or Abort.</summary>
public interface IArtifactUpload : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Makes the artifact visible under its name.</summary>
    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Discards everything written; safe to call after a failure or cancellation. Returns a note for the
    /// operator when something could not be cleaned up, else null.
    /// </summary>
    Task<string?> AbortAsync();
}

public sealed record StoredObject(string Name, long Size, DateTime LastModifiedUtc);
