namespace OpsRunbooks.Journal;

/// <summary>
/// Which entries a read of the PostgreSQL table returns, newest first: the server applies each criterion given
/// (all must hold) and stops at <see cref="First"/>.
/// </summary>
public sealed record OperationLogQuery
{
    /// <summary>Entries whose operation matches one of these PostgreSQL regular expressions, ignoring case.</summary>
    public IReadOnlyList<string>? Operations { get; init; }

    /// <summary>Entries of operations that finished at or after this time (UTC).</summary>
    public DateTime? Since { get; init; }

    public IReadOnlyList<OperationOutcome>? Outcomes { get; init; }

    /// <summary>Entries whose target matches this PostgreSQL regular expression, ignoring case.</summary>
    public string? Target { get; init; }

    /// <summary>At most this many entries, the newest.</summary>
    public int? First { get; init; }
}
