using System.Diagnostics;
using System.Globalization;
using OpsRunbooks.Environments;
using OpsRunbooks.Remote.Ssh;

namespace OpsRunbooks.Health;

/// <summary>
/// How much room the file system holding <see cref="Path"/> must have: Degraded under <see cref="DegradedFreePercent"/>
/// of its space or inodes free (the seeds' 80 % usage limit), Unhealthy under <see cref="UnhealthyFreePercent"/> (their
/// alert at 90 %). Measured on this machine, or on <see cref="Remote"/> over SSH.
/// </summary>
public sealed record DiskSpaceOptions(string Path) : IHealthCheckDefinition
{
    public const double DefaultDegradedFreePercent = 20;
    public const double DefaultUnhealthyFreePercent = 10;

    public double DegradedFreePercent { get; init; } = DefaultDegradedFreePercent;
    public double UnhealthyFreePercent { get; init; } = DefaultUnhealthyFreePercent;

    /// <summary>The host to measure on over SSH; null for this machine.</summary>
    public SshConnectionOptions? Remote { get; init; }

    public TimeSpan? Timeout { get; init; }

    public HealthCheck Create(OpsEnvironment environment) => new DiskSpaceCheck(this);

    public override string ToString() => Remote is null ? $"Disk {Path}" : $"Disk {Path} on {Remote.Host}";
}

/// <summary>What statvfs says of a file system: sizes in blocks of <see cref="BlockSize"/> bytes, and inodes.</summary>
public sealed record FileSystemUsage(long BlockSize, long TotalBlocks, long AvailableBlocks, long TotalInodes, long FreeInodes)
{
    /// <summary>stat's format for <see cref="Parse"/>: fragment size, blocks, blocks free to non-root users, inodes, free inodes.</summary>
    public const string StatFormat = "%S %b %a %c %d";

    public long TotalBytes => BlockSize * TotalBlocks;
    public long AvailableBytes => BlockSize * AvailableBlocks;

    /// <summary>The space an unprivileged writer still has, in percent of the file system's size.</summary>
    public double FreePercent => TotalBlocks == 0 ? 100 : AvailableBlocks * 100d / TotalBlocks;

    /// <summary>Free inodes in percent; null for a file system that does not count them (btrfs, some network file systems).</summary>
    public double? FreeInodePercent => TotalInodes == 0 ? null : FreeInodes * 100d / TotalInodes;

    /// <summary>Reads the output of <c>stat -f -c '%S %b %a %c %d'</c>; null when it is not five whole numbers.</summary>
    public static FileSystemUsage? Parse(string output)
    {
        var fields = output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var numbers = fields.Select(f => long.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToArray();
        return numbers.Length == 5 && numbers.All(n => n >= 0) && numbers[0] > 0
            ? new FileSystemUsage(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
            : null;
    }
}

/// <summary>
/// Free space and inodes of the file system holding a path, read with <c>stat -f</c> (statvfs) here or over SSH, so the
/// same numbers come from both; Degraded and Unhealthy under the limits of <see cref="DiskSpaceOptions"/>.
/// </summary>
public sealed class DiskSpaceCheck : HealthCheck
{
    public DiskSpaceCheck(DiskSpaceOptions options)
        : base(DiskSpaceCheckKind.Name, options.Remote is null ? options.Path : $"{options.Remote.Host}:{options.Path}", options.Timeout)
    {
        Options = options;
        if (!(options.UnhealthyFreePercent >= 0 && options.UnhealthyFreePercent <= options.DegradedFreePercent && options.DegradedFreePercent <= 100))
            throw new OpsException(HealthErrorIds.HealthThresholdInvalid, FailureKind.InvalidArgument,
                $"UnhealthyFreePercent ({options.UnhealthyFreePercent}) must be from 0 to DegradedFreePercent ({options.DegradedFreePercent}), and that at most 100.", Target);
    }

    public DiskSpaceOptions Options { get; }

    protected override async Task EvaluateAsync(HealthFindings findings, CancellationToken cancellationToken)
    {
        findings.Threshold("DegradedFreePercent", Options.DegradedFreePercent);
        findings.Threshold("UnhealthyFreePercent", Options.UnhealthyFreePercent);
        var (exitCode, output, error) = Options.Remote is null
            ? await StatLocallyAsync(cancellationToken).ConfigureAwait(false)
            : await StatRemotelyAsync(Options.Remote, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            findings.Unhealthy($"the file system of '{Options.Path}' cannot be read: {FirstLine(error, $"stat exited with {exitCode}")}");
            return;
        }
        if (FileSystemUsage.Parse(output) is not { } usage)
        {
            findings.Unhealthy($"stat -f answered something other than five numbers for '{Options.Path}': {FirstLine(output, "(nothing)")}");
            return;
        }
        Evaluate(findings, usage);
    }

    private void Evaluate(HealthFindings findings, FileSystemUsage usage)
    {
        findings.Measure("TotalBytes", usage.TotalBytes);
        findings.Measure("AvailableBytes", usage.AvailableBytes);
        findings.Measure("FreePercent", Math.Round(usage.FreePercent, 1));
        findings.Measure("TotalInodes", usage.TotalInodes);
        findings.Measure("FreeInodes", usage.FreeInodes);
        findings.Measure("FreeInodePercent", usage.FreeInodePercent is { } inodes ? Math.Round(inodes, 1) : null);
        findings.Summary = HealthFindings.Invariant($"{usage.FreePercent:0} % free ({Size(usage.AvailableBytes)} of {Size(usage.TotalBytes)})")
            + (usage.FreeInodePercent is { } free ? HealthFindings.Invariant($", {free:0} % of inodes free") : "");

        var space = HealthFindings.GradeFalling(usage.FreePercent, Options.DegradedFreePercent, Options.UnhealthyFreePercent);
        findings.Add(space, HealthFindings.Invariant(
            $"{usage.FreePercent:0.#} % of the space is free ({Size(usage.AvailableBytes)} of {Size(usage.TotalBytes)}), under {Limit(space)} %: remove old files or grow the volume"));
        if (usage.FreeInodePercent is { } inodePercent)
        {
            var inodeStatus = HealthFindings.GradeFalling(inodePercent, Options.DegradedFreePercent, Options.UnhealthyFreePercent);
            findings.Add(inodeStatus, HealthFindings.Invariant(
                $"{inodePercent:0.#} % of the inodes are free ({usage.FreeInodes:N0} of {usage.TotalInodes:N0}), under {Limit(inodeStatus)} %: many small files fill it"));
        }
    }

    private double Limit(HealthStatus status) => status == HealthStatus.Unhealthy ? Options.UnhealthyFreePercent : Options.DegradedFreePercent;

    private async Task<(int ExitCode, string Output, string Error)> StatLocallyAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("stat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", "-c", FileSystemUsage.StatFormat, "--", Options.Path }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("stat did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    private async Task<(int ExitCode, string Output, string Error)> StatRemotelyAsync(SshConnectionOptions remote, CancellationToken cancellationToken)
    {
        var command = $"LC_ALL=C stat -f -c '{FileSystemUsage.StatFormat}' -- {ShellQuote(Options.Path)}";
        var result = await SshConnection.RunOnceAsync(remote, command, Timeout, cancellationToken).ConfigureAwait(false);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>A POSIX shell word that stands for <paramref name="text"/> exactly.</summary>
    public static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FirstLine(string text, string fallback) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? fallback;

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 40 => HealthFindings.Invariant($"{bytes / (double)(1L << 40):0.#} TiB"),
        >= 1L << 30 => HealthFindings.Invariant($"{bytes / (double)(1L << 30):0.#} GiB"),
        >= 1L << 20 => HealthFindings.Invariant($"{bytes / (double)(1L << 20):0.#} MiB"),
        _ => HealthFindings.Invariant($"{bytes / 1024d:0.#} KiB"),
    };
}

/// <summary>
/// Disk = @( @{ Path = '/var/lib/postgresql'; DegradedFreePercent = 20; UnhealthyFreePercent = 10 },
///           @{ Path = '/'; ComputerName = 'db1.internal'; User = 'ops'; KeyFile = '/etc/opsrunbooks/id_ed25519' } )
/// </summary>
public sealed class DiskSpaceCheckKind : HealthCheckKind
{
    public const string Name = "Disk";

    public override string Key => Name;

    public override IReadOnlyCollection<string> Keys { get; } =
        ["Path", "DegradedFreePercent", "UnhealthyFreePercent", "ComputerName", "Port", "User", "KeyFile", "KnownHostsPath", "Timeout"];

    public override IHealthCheckDefinition Read(SettingsTable entry)
    {
        var computer = entry.Text("ComputerName");
        if (computer is null && (entry.Contains("User") || entry.Contains("KeyFile") || entry.Contains("Port") || entry.Contains("KnownHostsPath")))
            throw entry.Invalid("ComputerName", "is missing: Port, User, KeyFile and KnownHostsPath are for a disk checked over SSH");
        return new DiskSpaceOptions(entry.RequiredText("Path"))
        {
            DegradedFreePercent = Number(entry, "DegradedFreePercent", 0, 100) ?? DiskSpaceOptions.DefaultDegradedFreePercent,
            UnhealthyFreePercent = Number(entry, "UnhealthyFreePercent", 0, 100) ?? DiskSpaceOptions.DefaultUnhealthyFreePercent,
            Remote = computer is null ? null : new SshConnectionOptions
            {
                Host = computer,
                Port = entry.WholeNumber("Port", 1, 65535, "a TCP port") ?? SshConnectionOptions.DefaultPort,
                User = entry.RequiredText("User"),
                KeyFile = entry.FilePath("KeyFile") ?? throw entry.Invalid("KeyFile", "is missing: a disk checked over SSH logs in with a key file"),
                KnownHostsPath = entry.FilePath("KnownHostsPath"),
            },
            Timeout = Duration(entry, "Timeout"),
        };
    }
}
