using OpsRunbooks.Encryption;
using OpsRunbooks.Postgres;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Backup;

public sealed record BackupRequest(PostgresTarget Target, IBackupStore Store, OpenPgpPublicKey EncryptionKey)
{
    /// <summary>pg_dump to use; found on PATH or under /usr/lib/postgresql when null.</summary>
    public string? PgDumpPath { get; init; }

    /// <summary>The environment the backup belongs to, recorded in the manifest and object metadata.</summary>
    public string? Environment { get; init; }

    /// <summary>Told of what the operator should know but that does not fail the backup, such as incomplete cleanup.</summary>
    public Action<string> OnWarning { get; init; } = _ => { };
}

/// <summary>Where a running backup is: its phase and how many bytes have gone through.</summary>
public sealed record BackupProgress(string Database, string Phase, long DumpBytes, long StoredBytes, TimeSpan Elapsed);
