using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Verification;

/// <summary>What to test of one backup, and with what.</summary>
public sealed class IntegrityRequest
{
    public required BackupRecord Backup { get; init; }

    /// <summary>The secret key to decrypt with; without one, only the manifest and the checksum are checked.</summary>
    public OpenPgpPrivateKey? DecryptionKey { get; init; }

    /// <summary>The server (and credential) to restore-test on; its Database is not used. Null for no restore test.</summary>
    public PostgresTarget? RestoreServer { get; init; }

    /// <summary>SQL run in the restored database; each must return a row, and a boolean first column must be true.</summary>
    public IReadOnlyList<string> VerificationQueries { get; init; } = [];

    public string? PgRestorePath { get; init; }

    /// <summary>Told what the operator should know that is not a check result (a scratch database that could not be dropped).</summary>
    public Action<string> OnWarning { get; init; } = _ => { };
}
