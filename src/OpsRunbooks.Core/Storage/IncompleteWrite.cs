namespace OpsRunbooks.Storage;

/// <summary>
/// A write that was started and never completed or aborted (a process killed mid-backup, a power loss):
/// a ".partial" file in a local store, an open multipart upload on S3. It is not a backup and is never
/// listed as one, but it takes up space until removed.
/// </summary>
/// <param name="Key">The store-relative name of what was being written.</param>
/// <param name="Started">When the write began (a local file's last write, an upload's initiation).</param>
/// <param name="Size">Bytes held, where the store knows it without further requests.</param>
/// <param name="UploadId">The multipart upload's id on S3; null for a local store.</param>
public sealed record IncompleteWrite(string Key, DateTimeOffset Started, long? Size, string? UploadId);
