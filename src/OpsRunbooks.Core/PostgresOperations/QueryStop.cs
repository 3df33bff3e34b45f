using Npgsql;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>How a session's query is stopped.</summary>
public enum QueryStopAction
{
    /// <summary>pg_terminate_backend: the session ends, its transaction rolls back.</summary>
    Terminate,

    /// <summary>pg_cancel_backend: the running query is cancelled, the session stays.</summary>
    Cancel,
}

/// <summary>What became of a session Stop-PostgresQuery was given.</summary>
public enum QueryStopOutcome
{
    /// <summary>Ended (Terminate) or its query cancelled (Cancel).</summary>
    Stopped,

    /// <summary>Left alone on purpose: its own session, or without -Force a replication connection or a server process.</summary>
    Refused,

    /// <summary>The process had ended before it was signalled.</summary>
    AlreadyEnded,

    /// <summary>Signalled in vain, or the server did not permit it.</summary>
    Failed,
}

/// <summary>What happened to one session Stop-PostgresQuery was given.</summary>
public sealed class QueryStopResult
{
    public string? Environment { get; init; }
    public string? DatabaseServer { get; init; }
    public required string Server { get; init; }
    public required int Port { get; init; }
    public required int Pid { get; init; }
    public required QueryStopAction Action { get; init; }

    public required QueryStopOutcome Outcome { get; init; }

    /// <summary>True when the session was ended (Terminate) or its query cancelled (Cancel).</summary>
    public bool Succeeded => Outcome == QueryStopOutcome.Stopped;

    /// <summary>Why it was (not) stopped, in words: refused and why, already gone, the server's answer.</summary>
    public required string Reason { get; init; }
    public string? Database { get; init; }
    public string? User { get; init; }
    public string? BackendType { get; init; }
    public string? Query { get; init; }

    public override string ToString() => $"{Action} {Pid} on {Server}:{Port}: {(Succeeded ? "done" : "not done")} ({Reason})";
}

/// <summary>Which session to stop and how.</summary>
public sealed record QueryStopRequest(PostgresTarget Target, PostgresServerIdentity Identity, int Pid, QueryStopAction Action)
{
    /// <summary>Also stop replication connections and the server's own processes (autovacuum workers, ...).</summary>
    public bool Force { get; init; }

    /// <summary>How long pg_terminate_backend waits for the process to exit.</summary>
    public TimeSpan TerminateWait { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Cancels or ends a session's query, after checking what the session is: never the stopping session itself, and
/// neither a replication connection (walsender) nor a process the server runs itself (autovacuum worker,
/// background worker, ...) unless forced. Each session gets a result; only a failed connection is an error.
/// </summary>
public static class QueryStop
{
    private const string Describe = """
        SELECT pg_backend_pid(), a.pid, a.datname, a.usename, coalesce(a.backend_type, ''), a.query
        FROM (SELECT 1) one LEFT JOIN pg_stat_activity a ON a.pid = $1
        """;

    public static async Task<QueryStopResult> StopAsync(QueryStopRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(request.Target, cancellationToken).ConfigureAwait(false);
        try
        {
            return await StopAsync(connection, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresOperationsFailures.Describe(e, request.Target)!;
        }
    }

    private static async Task<QueryStopResult> StopAsync(NpgsqlConnection connection, QueryStopRequest request, CancellationToken cancellationToken)
    {
        int ownPid;
        string? database, user, backendType, query;
        bool found;
        await using (var command = new NpgsqlCommand(Describe, connection) { Parameters = { new() { Value = request.Pid } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ownPid = reader.GetInt32(0);
            found = !reader.IsDBNull(1);
            database = reader.IsDBNull(2) ? null : reader.GetString(2);
            user = reader.IsDBNull(3) ? null : reader.GetString(3);
            backendType = reader.IsDBNull(4) ? null : reader.GetString(4);
            query = reader.IsDBNull(5) ? null : reader.GetString(5);
        }

        QueryStopResult Result(QueryStopOutcome outcome, string reason) => new()
        {
            Environment = request.Identity.Environment,
            DatabaseServer = request.Identity.DatabaseServer,
            Server = request.Identity.Server,
            Port = request.Identity.Port,
            Pid = request.Pid,
            Action = request.Action,
            Outcome = outcome,
            Reason = reason,
            Database = database,
            User = user,
            BackendType = backendType,
            Query = query,
        };

        if (request.Pid == ownPid)
            return Result(QueryStopOutcome.Refused, "refused: it is the session doing the stopping");
        if (!found)
            return Result(QueryStopOutcome.AlreadyEnded, "no such process: it has ended already");
        if (Protection(backendType!) is { } protection && !request.Force)
            return Result(QueryStopOutcome.Refused, $"refused: {protection}; give -Force to stop it anyway");

        var sql = request.Action == QueryStopAction.Cancel
            ? "SELECT pg_cancel_backend($1)"
            : "SELECT pg_terminate_backend($1, $2)";
        await using var stop = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = request.Pid } } };
        if (request.Action == QueryStopAction.Terminate)
            stop.Parameters.Add(new NpgsqlParameter { Value = (long)request.TerminateWait.TotalMilliseconds });
        try
        {
            var done = (bool)(await stop.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return done
                ? Result(QueryStopOutcome.Stopped, request.Action == QueryStopAction.Cancel ? "query cancelled" : "session ended")
                : Result(QueryStopOutcome.Failed, request.Action == QueryStopAction.Cancel
                    ? "the server could not signal the process (it has ended, or is not a session)"
                    : $"the process did not exit within {request.TerminateWait.TotalSeconds:0} s of the signal (it may still end)");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return Result(QueryStopOutcome.Failed, $"not permitted: {e.MessageText} (grant pg_signal_backend, or use a superuser for a superuser's session)");
        }
    }

    /// <summary>Why a kind of process is left alone without -Force; null for a client's session.</summary>
    private static string? Protection(string backendType) => backendType switch
    {
        "client backend" => null,
        "walsender" => "it is a replication connection (walsender) of a standby or backup",
        "" => "it is a server process of unknown kind",
        _ => $"it is a maintenance process the server runs itself ({backendType})",
    };
}
