using System.Text.Json;

namespace OpsRunbooks.Journal;

/// <summary>
/// The operations log as a JSON Lines file: append-only, one entry per line. Writers in any number of threads
/// and processes take an exclusive lock on a lock file beside it (<c>operations.jsonl.lock</c>) and append each
/// line in one write, so lines never interleave; readers take no lock and read from the end backwards.
/// </summary>
public sealed class JournalFile
{
    /// <summary>Overrides the default path for every environment without a Journal.Path (tests, containers).</summary>
    public const string PathVariable = "OPSRUNBOOKS_JOURNAL_PATH";

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    private const int BlockSize = 64 * 1024;

    public JournalFile(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    /// <summary>
    /// Where entries go when an environment names no other file: $OPSRUNBOOKS_JOURNAL_PATH if set, else
    /// $XDG_STATE_HOME/opsrunbooks/operations.jsonl (XDG_STATE_HOME defaulting to ~/.local/state) on Linux and
    /// macOS, %LOCALAPPDATA%\OpsRunbooks\operations.jsonl on Windows.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured) return configured;
            if (OperatingSystem.IsWindows())
                return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "OpsRunbooks", "operations.jsonl");
            var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
                ? xdg
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            return System.IO.Path.Combine(state, "opsrunbooks", "operations.jsonl");
        }
    }

    /// <summary>Appends one entry as one line; creates the file and its directory when missing.</summary>
    public void Append(OperationLogEntry entry)
    {
        var line = OperationLogEntryJson.Serialize(entry, newline: true);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var held = TakeLock();
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        file.Write(line);
    }

    /// <summary>
    /// The lock file opened exclusively (an advisory flock on Unix, a share lock on Windows); retried briefly
    /// while another writer holds it, which is for the length of one write.
    /// </summary>
    private FileStream TakeLock()
    {
        var deadline = DateTime.UtcNow + LockWait;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Math.Min(1 + attempt, 20));
            }
        }
    }

    /// <summary>
    /// The entries newest first (the file's last line first), read backwards in blocks so that the first entries
    /// come at once however long the file is. A line that is not an entry goes to <paramref name="malformed"/>
    /// with its line's byte offset and is skipped; a half-written last line (a writer at work) is left out.
    /// </summary>
    public IEnumerable<OperationLogEntry> ReadNewestFirst(Action<long, JsonException>? malformed = null, CancellationToken cancellationToken = default)
    {
        FileStream file;
        try
        {
            file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OpsException(JournalErrorIds.JournalFileNotFound, FailureKind.NotFound,
                $"There is no operations log at '{Path}': nothing has been recorded there yet, or the environment's Journal.Path names another file.", Path, e);
        }
        using (file)
        {
            foreach (var entry in ReadBackwards(file, malformed, cancellationToken))
                yield return entry;
        }
    }

    private static IEnumerable<OperationLogEntry> ReadBackwards(FileStream file, Action<long, JsonException>? malformed, CancellationToken cancellationToken)
    {
        var position = file.Length;
        var block = new byte[BlockSize];
        // The head of a line that begins in an earlier block: the bytes from this block's start to the line's end.
        var pending = Array.Empty<byte>();
        // The file's last line counts only once its newline is written: until that newline is found, bytes are dropped.
        var tailFound = false;
        while (position > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Math.Max(0, position - BlockSize);
            var read = (int)(position - start);
            var data = read + pending.Length <= block.Length ? block : new byte[read + pending.Length];
            file.Position = start;
            file.ReadExactly(data, 0, read);
            pending.CopyTo(data, read);
            var lineEnd = read + pending.Length;
            if (!tailFound)
            {
                lineEnd = Array.LastIndexOf(data, (byte)'\n', read - 1, read);
                tailFound = lineEnd >= 0;
                if (!tailFound)
                {
                    position = start;
                    continue;
                }
            }
            int newline;
            while (lineEnd > 0 && (newline = Array.LastIndexOf(data, (byte)'\n', lineEnd - 1, lineEnd)) >= 0)
            {
                if (Parse(data.AsSpan(newline + 1, lineEnd - newline - 1), start + newline + 1, malformed) is { } entry)
                    yield return entry;
                lineEnd = newline;
            }
            pending = data[..Math.Max(lineEnd, 0)];
            position = start;
        }
        if (pending.Length > 0 && Parse(pending, 0, malformed) is { } first)
            yield return first;
    }

    private static OperationLogEntry? Parse(ReadOnlySpan<byte> line, long offset, Action<long, JsonException>? malformed)
    {
        if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
        if (line.Trim(" \t"u8).IsEmpty) return null;
        try
        {
            return OperationLogEntryJson.Deserialize(line);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            malformed?.Invoke(offset, e as JsonException ?? new JsonException(e.Message, e));
            return null;
        }
    }
}
