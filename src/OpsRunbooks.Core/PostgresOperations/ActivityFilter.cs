using System.Net;

namespace OpsRunbooks.PostgresOperations;

/// <summary>Which sessions Get-PostgresActivity returns; every part left empty lets all through.</summary>
public sealed record ActivityFilter
{
    /// <summary>States pg_stat_activity reports (the values of its state column).</summary>
    public static readonly IReadOnlyList<string> KnownStates =
        ["active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled"];

    /// <summary>Only active sessions whose query has run at least this long.</summary>
    public TimeSpan? MinimumDuration { get; init; }
    public IReadOnlyList<string> States { get; init; } = [];

    /// <summary>Client addresses or networks (10.0.0.5, 10.0.0.0/8, ::1).</summary>
    public IReadOnlyList<string> ClientAddresses { get; init; } = [];
    public IReadOnlyList<string> Users { get; init; } = [];
    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>Fails with ClientAddressInvalid naming an address that is neither an IP address nor a network.</summary>
    public void Validate()
    {
        foreach (var address in ClientAddresses)
        {
            if (!IPAddress.TryParse(address, out _) && !IPNetwork.TryParse(address, out _))
                throw new OpsException(PostgresOperationsErrorIds.ClientAddressInvalid, FailureKind.InvalidArgument,
                    $"-ClientAddress '{address}' is neither an IP address (10.0.0.5, ::1) nor a network (10.0.0.0/8).", address);
        }
        if (MinimumDuration < TimeSpan.Zero)
            throw new OpsException(PostgresOperationsErrorIds.DurationInvalid, FailureKind.InvalidArgument,
                $"-MinimumDuration {MinimumDuration} is negative; give 0 or more (00:10:00 is ten minutes).", MinimumDuration);
    }
}
