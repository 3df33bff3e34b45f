using System.Collections.Concurrent;
using System.Data;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.Journal;

/// <summary>
/// The operations log as a PostgreSQL table that the seeds' <c>operation_logs</c> queries keep working on:
/// operation_type, status ('success', 'failure', 'cancelled'), details (the figures as jsonb) and created_at,
/// plus a column for each other field of an entry (figures again as json, which keeps their order; jsonb sorts keys). Created when missing; a table that exists with only the
/// seeds' columns gets ours added.
/// <para>
/// Sessions come from one pool per server, database and login for the whole process, so an entry costs one
/// insert on a session already open, not a login (see <see cref="DataSource"/>). Whether the table exists is
/// never remembered: the insert is tried first and the table made only when the server says it is missing, which
/// costs nothing when it is there and recreates a table that was dropped meanwhile.
/// </para>
/// </summary>
public sealed partial class PostgresJournalTable
{
    public const string DefaultTable = "operation_logs";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // By connection string, so that every PostgresJournalTable of one server, database and login (one is made per
    // entry) shares a pool; the data sources live as long as the process.
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> DataSources = new();

    // Idle sessions end with a goodbye when the process does, instead of an "unexpected EOF" in the server's log.
    static PostgresJournalTable() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var dataSource in DataSources.Values)
            dataSource.Dispose();
    };

    private readonly PostgresTarget _target;
    private readonly string _table;

    public PostgresJournalTable(PostgresTarget target, string table)
    {
        if (!TableName().IsMatch(table))
            throw new OpsException(JournalErrorIds.JournalTableNameInvalid, FailureKind.InvalidArgument,
                $"'{table}' is not a table name the operations log can use: give letters, digits and underscores, optionally after a schema and a dot.", table);
        _target = target;
        _table = string.Join('.', table.Split('.').Select(part => $"\"{part}\""));
    }

    public override string ToString() => $"{_table.Replace("\"", "")} on {_target.Host}:{_target.Port}/{_target.Database}";

    /// <summary>The seeds' word for an outcome in the status column.</summary>
    public static string Status(OperationOutcome outcome) => outcome switch
    {
        OperationOutcome.Succeeded => "success",
        OperationOutcome.Failed => "failure",
        _ => "cancelled",
    };

    /// <summary>"DatabaseBackup" as the seeds write an operation_type: "database_backup".</summary>
    public static string OperationType(string operation) => SnakeBoundary().Replace(operation, "_$1").ToLowerInvariant();

    /// <summary>Inserts the entry, creating the table or adding our columns first; within a bounded time.</summary>
    public async Task AppendAsync(OperationLogEntry entry, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var (connection, _) = await StartAsync(async (connection, token) =>
            {
                try
                {
                    await InsertAsync(connection, entry, token).ConfigureAwait(false);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn
                                                  or PostgresErrorCodes.InvalidColumnReference)
                {
                    // The first entry on this table: create it, or add our columns to the seeds' table, then insert again.
                    await EnsureTableAsync(connection, token).ConfigureAwait(false);
                    await InsertAsync(connection, entry, token).ConfigureAwait(false);
                }
                return true;
            }, timeout.Token).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new OpsException(PostgresErrorIds.ConnectionLost, FailureKind.ConnectionFailed,
                $"PostgreSQL at {_target.Host}:{_target.Port} did not take the entry within {Timeout.TotalSeconds:0} seconds.", _target);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e))
        {
            throw PostgresConnector.Failure(e, _target);
        }
    }

    /// <summary>
    /// The pool of this table's server, database and login. Its sessions stay open for a minute after their last
    /// use (so a run that records many entries logs in once) and are at most four, for the log is a side line of
    /// the server's work; the connect timeout is the entry's.
    /// </summary>
    private NpgsqlDataSource DataSource()
    {
        var settings = PostgresConnector.ConnectionSettings(_target);
        settings.ApplicationName = "OpsRunbooks journal";
        settings.Pooling = true;
        settings.MaxPoolSize = 4;
        settings.ConnectionIdleLifetime = 60;
        settings.Timeout = (int)Timeout.TotalSeconds;
        return DataSources.GetOrAdd(settings.ConnectionString, NpgsqlDataSource.Create);
    }

    /// <summary>
    /// Opens a session of the pool and runs <paramref name="work"/> on it; returns the session, still open, and
    /// what the work returned. A pooled session that the server ended while it sat idle (a restart, an idle
    /// timeout, pg_terminate_backend) fails on its first use, which the pool cannot foresee: then the pool's idle
    /// sessions, as stale, are dropped and the work runs once more on a new one. The entry's id makes a second
    /// insert of it harmless.
    /// </summary>
    private async Task<(NpgsqlConnection Connection, T Result)> StartAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
    {
        var dataSource = DataSource();
        for (var attempt = 1; ; attempt++)
        {
            var connection = await PostgresConnector.OpenAsync(dataSource, _target, cancellationToken).ConfigureAwait(false);
            try
            {
                return (connection, await work(connection, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                var sessionEnded = attempt == 1 && connection.State != ConnectionState.Open && PostgresConnector.IsPostgresFailure(e);
                await connection.DisposeAsync().ConfigureAwait(false);
                if (!sessionEnded) throw;
                dataSource.Clear();
            }
        }
    }

    private async Task InsertAsync(NpgsqlConnection connection, OperationLogEntry entry, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO {_table} (operation_type, status, details, created_at, entry_id, operation, target, environment,
                user_name, host_name, started_at, finished_at, outcome, figures, error_id, run_id, message)
            VALUES (@type, @status, @details, @finished, @id, @operation, @target, @environment,
                @user, @host, @started, @finished, @outcome, @figures, @error, @run, @message)
            ON CONFLICT (entry_id) DO NOTHING
            """, connection);
        insert.Parameters.AddWithValue("type", OperationType(entry.Operation));
        insert.Parameters.AddWithValue("status", Status(entry.Outcome));
        var figures = OperationLogEntryJson.SerializeFigures(entry.Figures);
        insert.Parameters.AddWithValue("details", NpgsqlDbType.Jsonb, figures);
        insert.Parameters.AddWithValue("figures", NpgsqlDbType.Json, figures);
        insert.Parameters.AddWithValue("finished", NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(entry.FinishedAt, DateTimeKind.Utc));
        insert.Parameters.AddWithValue("started", NpgsqlDbType.TimestampTz, DateTime.SpecifyKind(entry.StartedAt, DateTimeKind.Utc));
        insert.Parameters.AddWithValue("id", entry.Id);
        insert.Parameters.AddWithValue("operation", entry.Operation);
        insert.Parameters.AddWithValue("target", entry.Target);
        insert.Parameters.AddWithValue("environment", (object?)entry.Environment ?? DBNull.Value);
        insert.Parameters.AddWithValue("user", entry.User);
        insert.Parameters.AddWithValue("host", entry.Host);
        insert.Parameters.AddWithValue("outcome", entry.Outcome.ToString());
        insert.Parameters.AddWithValue("error", (object?)entry.ErrorId ?? DBNull.Value);
        insert.Parameters.AddWithValue("run", (object?)entry.RunId ?? DBNull.Value);
        insert.Parameters.AddWithValue("message", (object?)entry.Message ?? DBNull.Value);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The table's entries that <paramref name="query"/> asks for, newest first as the file holds them, streamed as
    /// the server sends them; for reading the log back from the database.
    /// </summary>
    public async IAsyncEnumerable<OperationLogEntry> ReadNewestFirstAsync(OperationLogQuery query,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        NpgsqlDataReader reader;
        try
        {
            (connection, reader) = await StartAsync((connection, token) => Select(connection, query).ExecuteReaderAsync(token), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The table is made by the first entry written to it, as the log file is.
            throw new OpsException(JournalErrorIds.JournalTableNotFound, FailureKind.NotFound,
                $"There is no operations-log table {this}: nothing has been recorded there yet, or the environment's Journal.Table names another table.", _target, e);
        }
        catch (Exception e) when (PostgresConnector.IsPostgresFailure(e))
        {
            throw PostgresConnector.Failure(e, _target);
        }
        await using (connection.ConfigureAwait(false))
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                yield return Entry(reader);
        }
    }

    /// <summary>Each criterion is a parameter, null when not given, which the server's plan for these values drops.</summary>
    private NpgsqlCommand Select(NpgsqlConnection connection, OperationLogQuery query)
    {
        var select = new NpgsqlCommand(
            $"""
            SELECT entry_id, operation, target, environment, user_name, host_name, started_at, finished_at, outcome,
                figures::text, error_id, run_id, message
            FROM {_table}
            WHERE entry_id IS NOT NULL
                AND (@since IS NULL OR finished_at >= @since)
                AND (@outcomes IS NULL OR outcome = ANY (@outcomes))
                AND (@operations IS NULL OR operation ~* ANY (@operations))
                AND (@target IS NULL OR target ~* @target)
            ORDER BY finished_at DESC, id DESC
            LIMIT @first
            """, connection);
        select.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = query.Since is { } since ? ToMicroseconds(since) : DBNull.Value });
        select.Parameters.Add(new NpgsqlParameter("outcomes", NpgsqlDbType.Array | NpgsqlDbType.Text)
            { Value = query.Outcomes is { } outcomes ? outcomes.Select(o => o.ToString()).ToArray() : DBNull.Value });
        select.Parameters.Add(new NpgsqlParameter("operations", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)query.Operations?.ToArray() ?? DBNull.Value });
        select.Parameters.Add(new NpgsqlParameter("target", NpgsqlDbType.Text) { Value = (object?)query.Target ?? DBNull.Value });
        select.Parameters.Add(new NpgsqlParameter("first", NpgsqlDbType.Integer) { Value = (object?)query.First ?? DBNull.Value });
        return select;
    }

    /// <summary>
    /// <paramref name="since"/> rounded up to the microsecond, PostgreSQL's precision, which the finish times in the
    /// table have: a time in the table is at or after it exactly when it is at or after the unrounded time.
    /// </summary>
    private static DateTime ToMicroseconds(DateTime since)
    {
        var ticksPastMicrosecond = since.Ticks % TimeSpan.TicksPerMicrosecond;
        return DateTime.SpecifyKind(ticksPastMicrosecond == 0 ? since : since.AddTicks(TimeSpan.TicksPerMicrosecond - ticksPastMicrosecond), DateTimeKind.Utc);
    }

    private static OperationLogEntry Entry(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Operation = reader.GetString(1),
        Target = reader.GetString(2),
        Environment = reader.IsDBNull(3) ? null : reader.GetString(3),
        User = reader.GetString(4),
        Host = reader.GetString(5),
        StartedAt = reader.GetDateTime(6),
        FinishedAt = reader.GetDateTime(7),
        Outcome = Enum.Parse<OperationOutcome>(reader.GetString(8)),
        Figures = OperationLogEntryJson.DeserializeFigures(reader.GetString(9)),
        ErrorId = reader.IsDBNull(10) ? null : reader.GetString(10),
        RunId = reader.IsDBNull(11) ? null : reader.GetString(11),
        Message = reader.IsDBNull(12) ? null : reader.GetString(12),
    };

    private async Task EnsureTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // IF NOT EXISTS throughout, so a table of the seeds' shape gains our columns; the unique index lets an entry be
        // sent twice without a second row; the other serves reads, newest first.
        await using var create = new NpgsqlCommand(
            $$"""
            CREATE TABLE IF NOT EXISTS {{_table}} (
                id bigserial PRIMARY KEY,
                operation_type text NOT NULL,
                status text NOT NULL,
                details jsonb NOT NULL DEFAULT '{}'::jsonb,
                created_at timestamptz NOT NULL DEFAULT now());
            ALTER TABLE {{_table}}
                ADD COLUMN IF NOT EXISTS entry_id text,
                ADD COLUMN IF NOT EXISTS operation text,
                ADD COLUMN IF NOT EXISTS target text,
                ADD COLUMN IF NOT EXISTS environment text,
                ADD COLUMN IF NOT EXISTS user_name text,
                ADD COLUMN IF NOT EXISTS host_name text,
                ADD COLUMN IF NOT EXISTS started_at timestamptz,
                ADD COLUMN IF NOT EXISTS finished_at timestamptz,
                ADD COLUMN IF NOT EXISTS outcome text,
                ADD COLUMN IF NOT EXISTS figures json,
                ADD COLUMN IF NOT EXISTS error_id text,
                ADD COLUMN IF NOT EXISTS run_id text,
                ADD COLUMN IF NOT EXISTS message text;
            CREATE UNIQUE INDEX IF NOT EXISTS {{IndexName("entry_id")}} ON {{_table}} (entry_id);
            CREATE INDEX IF NOT EXISTS {{IndexName("finished_at")}} ON {{_table}} (finished_at DESC, id DESC);
            """, connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string IndexName(string column) => $"\"{_table.Replace("\"", "").Replace('.', '_')}_{column}\"";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$")]
    private static partial Regex TableName();

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex SnakeBoundary();
}
