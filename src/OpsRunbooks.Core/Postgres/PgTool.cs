using System.Diagnostics;
using System.Text.RegularExpressions;

namespace OpsRunbooks.Postgres;

/// <summary>A PostgreSQL client program (pg_dump, pg_restore) and its version.</summary>
public sealed partial record PgTool(string Name, string Path, Version Version)
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, DateTime Modified), Version> KnownVersions = new();

    /// <summary>
    /// Finds a program: an explicit path; else the newest Debian-style install under /usr/lib/postgresql
    /// (Debian's PATH holds only a wrapper script that picks one of those); else PATH.
    /// </summary>
    public static async Task<PgTool> LocateAsync(string name, string? explicitPath, CancellationToken cancellationToken)
    {
        var path = explicitPath ?? FindInDebianLayout(name) ?? FindOnPath(name);
        if (path is null || !File.Exists(path))
        {
            throw new OpsException(NotFoundErrorId(name), FailureKind.NotInstalled,
                explicitPath is null
                    ? $"{name} was not found on PATH or under /usr/lib/postgresql. Install the PostgreSQL client (Debian: apt-get install postgresql-client-15) or give its path."
                    : $"{name} was not found at '{explicitPath}'.",
                name);
        }
        var key = (path, File.GetLastWriteTimeUtc(path));
        if (!KnownVersions.TryGetValue(key, out var version))
            KnownVersions[key] = version = await ReadVersionAsync(name, path, cancellationToken).ConfigureAwait(false);
        return new PgTool(name, path, version);
    }

    /// <summary>Fails unless this tool can handle a server of <paramref name="serverMajor"/>.</summary>
    public void EnsureSupportsServer(int serverMajor, string serverVersion)
    {
        if (Version.Major < serverMajor)
        {
            throw new OpsException(TooOldErrorId(Name), FailureKind.NotInstalled,
                $"{Name} {Version} at '{Path}' is older than the server ({serverVersion}); {Name} must be version {serverMajor} or later. Install a newer PostgreSQL client or give the path of one.",
                Path);
        }
    }

    internal static string NotFoundErrorId(string name) => name switch
    {
        "pg_dump" => PostgresErrorIds.PgDumpNotFound,
        "pg_restore" => PostgresErrorIds.PgRestoreNotFound,
        _ => name + "NotFound",
    };

    private static string TooOldErrorId(string name) => name switch
    {
        "pg_dump" => PostgresErrorIds.PgDumpTooOld,
        "pg_restore" => PostgresErrorIds.PgRestoreTooOld,
        _ => name + "TooOld",
    };

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string? FindInDebianLayout(string name)
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.EnumerateDirectories(root)
            .Select(dir => (major: int.TryParse(System.IO.Path.GetFileName(dir), out var m) ? m : -1, path: System.IO.Path.Combine(dir, "bin", name)))
            .Where(c => c.major > 0 && File.Exists(c.path))
            .OrderByDescending(c => c.major)
            .Select(c => c.path)
            .FirstOrDefault();
    }

    private static async Task<Version> ReadVersionAsync(string name, string path, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        string output;
        try
        {
            output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled before it answered: end it and wait for it, so it does not outlive the cancelled work.
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw;
        }
        var match = VersionPattern().Match(output);
        if (!match.Success)
            throw new OpsException(NotFoundErrorId(name), FailureKind.NotInstalled, $"'{path} --version' printed no version: {output.Trim()}", path);
        return new Version(int.Parse(match.Groups[1].Value), match.Groups[2].Success ? int.Parse(match.Groups[2].Value) : 0);
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();
}
