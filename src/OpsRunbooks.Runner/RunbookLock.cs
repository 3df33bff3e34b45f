using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpsRunbooks.Runner;

/// <summary>
/// One run at a time of a runbook for an environment: an exclusive lock on a file under the state
/// directory's locks/ (flock on Unix, a share mode on Windows), which the operating system releases when
/// the process ends however it ends, so a killed run never leaves a stale lock behind. A file beside it
/// says which run holds it, for the message of the run that has to wait.
/// </summary>
public sealed class RunbookLock : IDisposable
{
    public const string StateDirectoryVariable = "OPSRUNBOOKS_STATE_DIR";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly FileStream _lock;
    private readonly string _holderPath;

    private RunbookLock(FileStream @lock, string holderPath)
    {
        _lock = @lock;
        _holderPath = holderPath;
    }

    /// <summary>$OPSRUNBOOKS_STATE_DIR, else opsrunbooks in the user's local application data (~/.local/share on Linux).</summary>
    public static string StateDirectory =>
        Environment.GetEnvironmentVariable(StateDirectoryVariable) is { Length: > 0 } configured ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "opsrunbooks");

    /// <summary>The lock file of a script (its full path) and an environment (null for a runbook without one).</summary>
    public static string PathOf(string scriptPath, string? environment)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scriptPath + "\0" + environment)))[..12];
        var readable = Path.GetFileNameWithoutExtension(scriptPath) + (environment is null ? "" : "." + environment);
        var safe = new string([.. readable.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
        return Path.Combine(StateDirectory, "locks", $"{safe}.{key}.lock");
    }

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> for a run that holds it (not at all when null);
    /// null when it is still held then, or when <paramref name="giveUp"/> says to stop waiting.
    /// <paramref name="waiting"/> is told once who holds it, when the lock is not free at once.
    /// </summary>
    public static RunbookLock? TryTake(string path, string runId, TimeSpan? wait, Func<bool> giveUp, Action<string> waiting)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + (wait ?? TimeSpan.Zero);
        var told = false;
        while (true)
        {
            if (TryOpen(path) is { } stream)
            {
                var holderPath = path + ".holder";
                File.WriteAllText(holderPath, string.Create(CultureInfo.InvariantCulture,
                    $"run {runId}, process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z"));
                return new RunbookLock(stream, holderPath);
            }
            if (!told)
            {
                waiting(Holder(path));
                told = true;
            }
            if (DateTime.UtcNow >= deadline || giveUp()) return null;
            Thread.Sleep(PollInterval);
        }
    }

    /// <summary>Who holds the lock at <paramref name="path"/>, as far as its holder file says.</summary>
    public static string Holder(string path)
    {
        try
        {
            return File.ReadAllText(path + ".holder");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "a run that has not said which";
        }
    }

    private static FileStream? TryOpen(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Held by another process (EWOULDBLOCK from flock, a sharing violation on Windows).
            return null;
        }
    }

    public void Dispose()
    {
        // The holder file goes before the lock is released, so it never names a run that has ended.
        File.Delete(_holderPath);
        _lock.Dispose();
    }
}
