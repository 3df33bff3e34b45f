namespace OpsRunbooks.Storage;

public enum StoreCapabilityStatus
{
    Passed,
    Failed,
    /// <summary>The server does not do it; backups are still safe, with the limit the detail names.</summary>
    Unsupported,
    /// <summary>Not tried, because an earlier step it needs failed.</summary>
    Skipped,
    /// <summary>Not a thing this kind of store has (parts, in a local directory).</summary>
    NotApplicable,
}

public enum StoreVerdict
{
    /// <summary>Every capability works.</summary>
    Good,
    /// <summary>Backups are safe; an optional capability is missing (see the rows marked Unsupported).</summary>
    Limited,
    /// <summary>A capability backups rely on failed: do not keep backups there.</summary>
    Unusable,
}

/// <summary>How one capability of a store came out of <see cref="BackupStoreProbe"/>.</summary>
public sealed record StoreCapabilityResult(string Capability, StoreCapabilityStatus Status, string Detail, TimeSpan Duration)
{
    public override string ToString() => $"{Capability}: {Status}" + (Detail.Length > 0 ? $" ({Detail})" : "");
}

/// <summary>What Test-BackupStore found: one row per capability and the verdict over them.</summary>
public sealed class BackupStoreTest
{
    /// <summary>The capabilities every backup relies on; the others (Abort, ConditionalPut) only narrow what can go wrong.</summary>
    public static readonly IReadOnlyList<string> Essential = [BackupStoreProbe.Write, BackupStoreProbe.ReadBackIdentical, BackupStoreProbe.List, BackupStoreProbe.Delete, BackupStoreProbe.Multipart];

    public required string Store { get; init; }

    public required IReadOnlyList<StoreCapabilityResult> Capabilities { get; init; }

    public required TimeSpan Duration { get; init; }

    public StoreVerdict Verdict =>
        Capabilities.Any(c => c.Status is StoreCapabilityStatus.Failed or StoreCapabilityStatus.Skipped && Essential.Contains(c.Capability)) ? StoreVerdict.Unusable
        : Capabilities.Any(c => c.Status is StoreCapabilityStatus.Failed or StoreCapabilityStatus.Unsupported or StoreCapabilityStatus.Skipped) ? StoreVerdict.Limited
        : StoreVerdict.Good;

    /// <summary>Why the verdict is not Good: the first failed capability, else the first unsupported one; null when Good.</summary>
    public string? Reason => (Capabilities.FirstOrDefault(c => c.Status == StoreCapabilityStatus.Failed)
                              ?? Capabilities.FirstOrDefault(c => c.Status is StoreCapabilityStatus.Unsupported or StoreCapabilityStatus.Skipped)) is { } row
        ? $"{row.Capability}: {row.Detail}"
        : null;

    public override string ToString() => $"{Store}: {Verdict}" + (Reason is null ? "" : $" ({Reason})");
}
