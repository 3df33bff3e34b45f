using System.Net.Sockets;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Backup;

/// <summary>
/// Failures that reached a backup, restore, integrity test or cleanup without a description of their own, as
/// errors with stable ids: no .NET type name ever becomes an error id.
/// </summary>
public static class BackupFailures
{
    /// <summary>The failure described, or null when it is none of these (a defect, to surface as it is).</summary>
    public static OpsException? Describe(Exception e) => e switch
    {
        OpsException known => known,
        Npgsql.PostgresException pg => new OpsException(PostgresErrorIds.PostgresError, FailureKind.OperationFailed,
            $"PostgreSQL answered {pg.SqlState}: {pg.MessageText}", null, e),
        Npgsql.NpgsqlException => new OpsException(PostgresErrorIds.ConnectionLost, FailureKind.ConnectionFailed,
            $"The connection to PostgreSQL was lost: {(e.InnerException ?? e).Message}. Check that the server still runs, then try again.", null, e),
        SocketException or TimeoutException or HttpRequestException => new OpsException(BackupErrorIds.BackupNetworkFailed, FailureKind.ConnectionFailed,
            $"A network connection failed: {e.Message}. Check that the server and the store can be reached from here, then try again.", null, e),
        UnauthorizedAccessException => new OpsException(BackupErrorIds.BackupIOFailed, FailureKind.ResourceUnavailable,
            $"Access was denied: {e.Message}. Give the account that runs this the permission, or choose another location.", null, e),
        IOException => new OpsException(BackupErrorIds.BackupIOFailed, FailureKind.ResourceUnavailable,
            $"Reading or writing failed: {e.Message}. If a disk is full or read-only, free space or fix it, then try again.", null, e),
        _ => null,
    };
}
