using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpsRunbooks.Postgres;

namespace OpsRunbooks.PostgresOperations;

/// <summary>What a server is before a promotion, and the refusal when it must not be promoted.</summary>
public sealed record PromotionCheck(string Server, bool InRecovery, StandbyStatus? Standby, OpsException? Refusal)
{
    /// <summary>The result reported for a refused promotion.</summary>
    public PostgresPromotionResult Refused() => new()
    {
        Server = Server,
        WasInRecovery = InRecovery,
        Promoted = false,
        LastReceivedLsn = Standby?.ReceiveLsn,
        ReplayLsn = Standby?.ReplayLsn,
        LagBytes = Standby?.LagBytes,
        ReceiveAge = Standby?.ReceiveAge,
        Reason = Refusal?.Message ?? "",
        ErrorId = Refusal?.ErrorId,
    };
}

/// <summary>
/// Promotes a standby to primary: refuses a server that is not a standby, and a standby that is stale or behind unless forced;
/// pg_promote, then waits until it leaves recovery and proves it accepts a write.
/// </summary>
public static class PostgresPromotion
{
    /// <summary>The table the write check inserts one row into per promotion, in the database connected to.</summary>
    public const string WriteCheckTable = "opsrunbooks_failover_check";

    public static async Task<PromotionCheck> CheckAsync(PostgresTarget target, PromotionRequest request, CancellationToken cancellationToken)
    {
        var server = ReplicationStatusReader.Describe(target);
        await using var connection = await PostgresConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await ReplicationStatusReader.IsInRecoveryAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                return new PromotionCheck(server, false, null, new OpsException(PostgresOperationsErrorIds.PromotionNotAStandby, FailureKind.InvalidArgument,
                    $"{server} is not in recovery: it is a primary already, and promoting it would do nothing. Give the standby's address.", server));
            }
            var standby = await ReplicationStatusReader.ReadStandbyAsync(connection, target, request.ProbeTimeout, cancellationToken).ConfigureAwait(false);
            return new PromotionCheck(server, true, standby, request.Force ? null : Refusal(server, standby, request));
        }
        catch (Exception e) when (e is not OpsException && !cancellationToken.IsCancellationRequested && PostgresOperationsFailures.Describe(e, target) is { } described)
        {
            throw described;
        }
    }

    private static OpsException? Refusal(string server, StandbyStatus standby, PromotionRequest request)
    {
        if (standby.ReceiveAge is not { } age)
        {
            return new OpsException(PostgresOperationsErrorIds.PromotionStandbyStale, FailureKind.InvalidData,
                $"{server} cannot tell when it last received WAL from its primary (no WAL receiver streams and no transaction was replayed since it started), so it may be missing data. Check the primary's last WAL position if you can, then promote with -Force.",
                server);
        }
        if (age > request.MaximumReceiveAge)
        {
            return new OpsException(PostgresOperationsErrorIds.PromotionStandbyStale, FailureKind.InvalidData,
                string.Create(CultureInfo.InvariantCulture,
                    $"{server} last received WAL {Words(age)} ago (at {standby.LastReceiveTime:yyyy-MM-dd HH:mm:ss} UTC, position {standby.ReceiveLsn}), more than -MaximumReceiveAge {Words(request.MaximumReceiveAge)}: what the primary wrote since may be lost. If the primary was idle or that loss is accepted, promote with -Force."),
                server);
        }
        if (standby.LagBytes > request.MaximumLagBytes)
        {
            return new OpsException(PostgresOperationsErrorIds.PromotionLagTooHigh, FailureKind.InvalidData,
                string.Create(CultureInfo.InvariantCulture,
                    $"{server} has {standby.LagBytes:N0} bytes of WAL still to replay (received {standby.ReceiveLsn}, replayed {standby.ReplayLsn}{(standby.ReplayPaused ? ", replay paused" : "")}), more than -MaximumLagBytes {request.MaximumLagBytes:N0}. Wait for it to catch up{(standby.ReplayPaused ? " (SELECT pg_wal_replay_resume())" : "")}, or promote with -Force."),
                server);
        }
        return null;
    }

    /// <summary>Promotes the standby <paramref name="check"/> found; the result carries the error id when it did not promote or write.</summary>
    public static async Task<PostgresPromotionResult> PromoteAsync(PostgresTarget target, PromotionCheck check, PromotionRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnector.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            // The standby as the check found it; each outcome below adds what happened.
            var asFound = new PostgresPromotionResult
            {
                Server = check.Server,
                WasInRecovery = true,
                Promoted = false,
                LastReceivedLsn = check.Standby?.ReceiveLsn,
                ReplayLsn = check.Standby?.ReplayLsn,
                LagBytes = check.Standby?.LagBytes,
                ReceiveAge = check.Standby?.ReceiveAge,
                Reason = "",
            };
            PostgresPromotionResult Failed(string errorId, string reason, TimeSpan? toPromote = null) =>
                asFound with { TimeToPromote = toPromote, Reason = reason, ErrorId = errorId };

            var clock = Stopwatch.StartNew();
            var waitSeconds = Math.Max(1, (int)Math.Ceiling(request.Timeout.TotalSeconds));
            await using (var promote = new NpgsqlCommand("SELECT pg_promote(wait => true, wait_seconds => $1)", connection)
            {
                CommandTimeout = waitSeconds + ReplicationStatusReader.QueryTimeoutSeconds,
                Parameters = { new() { Value = waitSeconds } },
            })
            {
                if (!(bool)(await promote.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return Failed(PostgresOperationsErrorIds.PromotionTimedOut,
                        $"{check.Server} was asked to promote but had not left recovery after {waitSeconds} s; it may still finish. Check its log, and pg_is_in_recovery() before trying again.");
                }
            }
            while (await ReplicationStatusReader.IsInRecoveryAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                if (clock.Elapsed > request.Timeout)
                {
                    return Failed(PostgresOperationsErrorIds.PromotionTimedOut,
                        $"{check.Server} accepted the promotion but was still in recovery after {Words(request.Timeout)}. Check its log.");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
            var toPromote = clock.Elapsed;

            long id;
            try
            {
                id = await WriteAndReadBackAsync(connection, check.Server, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e)
            {
                return Failed(PostgresOperationsErrorIds.PromotionWriteFailed,
                    $"{check.Server} left recovery in {Words(toPromote)}, but the write check into {WriteCheckTable} failed: {e.SqlState} {e.MessageText}. It is promoted; find out why it refuses writes before sending traffic to it.",
                    toPromote);
            }
            var toFirstWrite = clock.Elapsed;
            return asFound with
            {
                Promoted = true,
                TimeToPromote = toPromote,
                TimeToFirstWrite = toFirstWrite,
                WriteCheck = string.Create(CultureInfo.InvariantCulture, $"{WriteCheckTable} id {id}"),
                Reason = $"promoted in {Words(toPromote)}; first write committed and read back after {Words(toFirstWrite)}"
                    + (request.Force && check.Refusal is null && Refusal(check.Server, check.Standby!, request) is { } overridden ? $" (forced past: {overridden.ErrorId})" : ""),
            };
        }
        catch (Exception e) when (e is not OpsException && !cancellationToken.IsCancellationRequested && PostgresOperationsFailures.Describe(e, target) is { } described)
        {
            throw described;
        }
    }

    /// <summary>
    /// Inserts one row into our own table (made on first use) and reads it back after the commit: the new primary writes
    /// WAL and keeps what it wrote. The row stays as a record of the promotion.
    /// </summary>
    private static async Task<long> WriteAndReadBackAsync(NpgsqlConnection connection, string server, CancellationToken cancellationToken)
    {
        var create = $"""
            CREATE TABLE IF NOT EXISTS public.{WriteCheckTable} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                promoted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                server text NOT NULL)
            """;
        await using (var table = new NpgsqlCommand(create, connection) { CommandTimeout = ReplicationStatusReader.QueryTimeoutSeconds })
            await table.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        long id;
        await using (var insert = new NpgsqlCommand($"INSERT INTO public.{WriteCheckTable} (server) VALUES ($1) RETURNING id", connection)
        {
            CommandTimeout = ReplicationStatusReader.QueryTimeoutSeconds,
            Parameters = { new() { Value = server } },
        })
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await using var read = new NpgsqlCommand($"SELECT count(*) FROM public.{WriteCheckTable} WHERE id = $1", connection)
        {
            CommandTimeout = ReplicationStatusReader.QueryTimeoutSeconds,
            Parameters = { new() { Value = id } },
        };
        if ((long)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != 1)
            throw new OpsException(PostgresOperationsErrorIds.PromotionWriteFailed, FailureKind.IntegrityFailed,
                $"{server} committed the write check (id {id}) but did not return it when read back. Do not send traffic to it; check its log.", server);
        return id;
    }

    public static string Words(TimeSpan span) => span.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s")
        : span.ToString(span.TotalDays >= 1 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);
}
