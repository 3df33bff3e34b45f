using System.Globalization;
using Npgsql;
using OpsRunbooks.Postgres;
using OpsRunbooks.Storage;

namespace OpsRunbooks.Backup;

public enum BackupLeftoverKind
{
    /// <summary>A restore test's scratch database (opsrunbooks_verify_...) that was never dropped.</summary>
    ScratchDatabase,

    /// <summary>A database a restore beside an existing one was going into (..._restoring_...) and never swapped in.</summary>
    RestoringDatabase,

    /// <summary>An artifact a store was still writing (a .partial file, an incomplete multipart upload).</summary>
    IncompleteWrite,
}

/// <summary>
/// Something a backup, restore or restore test left behind because it was killed (SIGKILL, power loss) before
/// its own cleanup ran: found by name only when the name is exactly one the module generates.
/// </summary>
public sealed class BackupLeftover
{
    public required BackupLeftoverKind Kind { get; init; }
    public required string Name { get; init; }

    /// <summary>host:port of the server, or the store's location.</summary>
    public required string Location { get; init; }

    /// <summary>When it was made, from the time in its name (databases) or the store (incomplete writes).</summary>
    public required DateTime StartedUtc { get; init; }

    public required TimeSpan Age { get; init; }

    /// <summary>Sessions connected to a leftover database when it was found; null for incomplete writes.</summary>
    public int? Sessions { get; init; }

    /// <summary>Bytes written so far, when the store knows; null for databases.</summary>
    public long? Size { get; init; }

    /// <summary>Whether it has been removed.</summary>
    public bool Removed { get; internal set; }

    internal PostgresTarget? Server { get; init; }
    internal IBackupStore? Store { get; init; }
    internal IncompleteWrite? Write { get; init; }

    public override string ToString() => $"{Kind} {Name} in {Location}";
}

/// <summary>Finds and removes what killed backups, restores and restore tests left behind, on servers and in stores.</summary>
public static class BackupLeftovers
{
    public static readonly TimeSpan DefaultMinimumAge = TimeSpan.FromDays(1);

    /// <summary>
    /// The scratch and restoring databases on a server made at least <paramref name="olderThan"/> before
    /// <paramref name="utcNow"/>, oldest first. Any other database, including one merely starting with our prefix,
    /// is never listed.
    /// </summary>
    public static async Task<IReadOnlyList<BackupLeftover>> FindDatabasesAsync(PostgresTarget server, TimeSpan olderThan, DateTime utcNow, CancellationToken cancellationToken)
    {
        var location = string.Create(CultureInfo.InvariantCulture, $"{server.Host}:{server.Port}");
        var leftovers = new List<BackupLeftover>();
        foreach (var database in await DatabaseAdministration.ListAsync(server, cancellationToken).ConfigureAwait(false))
        {
            if (DatabaseNames.Parse(database.Name) is not { } generated) continue;
            BackupLeftoverKind? kind = generated.Kind switch
            {
                GeneratedDatabaseKind.Scratch => BackupLeftoverKind.ScratchDatabase,
                GeneratedDatabaseKind.Restoring => BackupLeftoverKind.RestoringDatabase,
                // A database renamed aside during a swap is the operator's old data: never ours to drop.
                _ => null,
            };
            var age = utcNow - generated.CreatedUtc;
            if (kind is null || age < olderThan) continue;
            leftovers.Add(new BackupLeftover
            {
                Kind = kind.Value,
                Name = database.Name,
                Location = location,
                StartedUtc = generated.CreatedUtc,
                Age = age,
                Sessions = database.Sessions,
                Server = server,
            });
        }
        return leftovers.OrderBy(l => l.StartedUtc).ToList();
    }

    /// <summary>
    /// The writes a store began and never completed or aborted (.partial files, open multipart uploads), begun
    /// at least <paramref name="olderThan"/> before <paramref name="utcNow"/>, oldest first.
    /// </summary>
    public static async Task<IReadOnlyList<BackupLeftover>> FindIncompleteWritesAsync(IBackupStore store, TimeSpan olderThan, DateTime utcNow, CancellationToken cancellationToken)
    {
        var leftovers = new List<BackupLeftover>();
        await foreach (var write in store.ListIncompleteWritesAsync(cancellationToken).ConfigureAwait(false))
        {
            var age = utcNow - write.Started.UtcDateTime;
            if (age < olderThan) continue;
            leftovers.Add(new BackupLeftover
            {
                Kind = BackupLeftoverKind.IncompleteWrite,
                Name = write.Key,
                Location = store.Location,
                StartedUtc = write.Started.UtcDateTime,
                Age = age,
                Size = write.Size,
                Store = store,
                Write = write,
            });
        }
        return leftovers.OrderBy(l => l.StartedUtc).ToList();
    }

    /// <summary>
    /// Removes a leftover. A database with sessions connected is left alone (LeftoverInUse) unless
    /// <paramref name="force"/>, which ends them first.
    /// </summary>
    public static async Task RemoveAsync(BackupLeftover leftover, bool force, CancellationToken cancellationToken)
    {
        if (leftover.Write is { } write)
        {
            await leftover.Store!.RemoveIncompleteWriteAsync(write, cancellationToken).ConfigureAwait(false);
            leftover.Removed = true;
            return;
        }
        var server = leftover.Server!;
        if (leftover.Sessions > 0 && !force) throw InUse(leftover, null);
        try
        {
            await DatabaseAdministration.DropAsync(server, leftover.Name, cancellationToken, endSessions: force).ConfigureAwait(false);
        }
        catch (OpsException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.ObjectInUse })
        {
            throw InUse(leftover, e);
        }
        leftover.Removed = true;
    }

    private static OpsException InUse(BackupLeftover leftover, Exception? inner) =>
        new(BackupErrorIds.LeftoverInUse, FailureKind.ResourceBusy,
            $"The database '{leftover.Name}' on {leftover.Location} has sessions connected; it was left alone. " +
            "If it is no longer in use, end them or give -Force, which ends them and drops it.", leftover, inner);
}
