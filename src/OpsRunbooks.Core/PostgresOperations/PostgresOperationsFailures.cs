using System.Net.Sockets;
using Npgsql;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>Failures that reached a PostgreSQL operation without a description of their own, with stable ids.</summary>
public static class PostgresOperationsFailures
{
    /// <summary>The failure described for the server it happened on, or null for a defect (left to surface).</summary>
    public static OpsException? Describe(Exception e, PostgresTarget? target = null) => e switch
    {
        OpsException known => known,
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } pg => new OpsException(
            PostgresOperationsErrorIds.PermissionDenied, FailureKind.AuthenticationFailed,
            $"PostgreSQL{At(target)} refused: {pg.MessageText}. Use a superuser, or grant the login pg_read_all_stats and pg_signal_backend.",
            target, e),
        NpgsqlException or SocketException or TimeoutException when target is not null => PostgresConnector.Failure(e, target),
        PostgresException pg => new OpsException(PostgresErrorIds.PostgresError, FailureKind.OperationFailed,
            $"PostgreSQL answered {pg.SqlState}: {pg.MessageText}", target, e),
        NpgsqlException or SocketException or TimeoutException => new OpsException(PostgresErrorIds.ConnectionLost, FailureKind.ConnectionFailed,
            $"The connection to PostgreSQL was lost: {(e.InnerException ?? e).Message}. Check that the server still runs, then try again.", null, e),
        IOException or UnauthorizedAccessException => new OpsException(PostgresOperationsErrorIds.PostgresOperationIOFailed, FailureKind.ResourceUnavailable,
            $"Reading or writing failed: {e.Message}. If a disk is full or read-only, free space or fix it, then try again.", target, e),
        _ => null,
    };

    private static string At(PostgresTarget? target) => target is null ? "" : $" at {target.Host}:{target.Port}";
}
