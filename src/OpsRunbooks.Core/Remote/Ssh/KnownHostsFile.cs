using System.Security.Cryptography;
using System.Text;

namespace OpsRunbooks.Remote.Ssh;

/// <summary>What a known-hosts file says about the key a host presented.</summary>
public enum HostKeyStatus
{
    Known,
    Unknown,
    Changed,
}

/// <summary>The verdict on a presented host key, with the fingerprints recorded for that host when it changed.</summary>
public sealed record HostKeyCheck(HostKeyStatus Status, IReadOnlyList<string> RecordedFingerprints);

/// <summary>
/// Host keys pinned in an OpenSSH known_hosts file: plain (<c>host</c>, <c>[host]:port</c>), hashed (<c>|1|salt|hash</c>)
/// and wildcard host patterns are read; keys are recorded as plain lines. The file is our own by default, so that
/// trusting a host for a runbook does not change what the operator's ssh trusts.
/// </summary>
public sealed class KnownHostsFile
{
    private readonly string _path;

    public KnownHostsFile(string path) => _path = path;

    public static string DefaultPath => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "opsrunbooks", "known_hosts");

    /// <summary>The OpenSSH fingerprint of a key blob as sent on the wire: SHA256:base64 without padding.</summary>
    public static string Fingerprint(byte[] keyBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>How OpenSSH names a host in the file: bare on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string HostToken(string host, int port) =>
        port == SshConnectionOptions.DefaultPort ? host.ToLowerInvariant() : $"[{host.ToLowerInvariant()}]:{port}";

    /// <summary>
    /// Compares a presented key with the keys recorded for the host. Any recorded key of the host that is not this one
    /// makes it Changed, whatever its type: a host that answers with another key than the one pinned is refused.
    /// </summary>
    public HostKeyCheck Check(string host, int port, byte[] keyBlob)
    {
        var token = HostToken(host, port);
        var recorded = ReadEntries().Where(entry => entry.Matches(token)).ToList();
        if (recorded.Count == 0) return new HostKeyCheck(HostKeyStatus.Unknown, []);
        if (recorded.Any(entry => entry.Key.AsSpan().SequenceEqual(keyBlob))) return new HostKeyCheck(HostKeyStatus.Known, []);
        return new HostKeyCheck(HostKeyStatus.Changed, recorded.Select(entry => Fingerprint(entry.Key)).Distinct().ToList());
    }

    /// <summary>Appends the host's key; the folder and file are made private to the user when they are new.</summary>
    public void Record(string host, int port, string keyType, byte[] keyBlob)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(_path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var line = $"{HostToken(host, port)} {keyType} {Convert.ToBase64String(keyBlob)}\n";
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows() && !File.Exists(_path))
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(_path, options);
        // Another process may have appended without a final newline; start on a line of our own.
        if (stream.Length > 0 && !EndsWithNewline()) stream.WriteByte((byte)'\n');
        stream.Write(Encoding.ASCII.GetBytes(line));
    }

    private bool EndsWithNewline()
    {
        using var reader = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        reader.Seek(-1, SeekOrigin.End);
        return reader.ReadByte() == '\n';
    }

    private IEnumerable<Entry> ReadEntries()
    {
        if (!File.Exists(_path)) yield break;
        foreach (var raw in File.ReadLines(_path))
        {
            var line = raw.Trim();
            // Marker lines (@cert-authority, @revoked) concern certificates, which are not used here.
            if (line.Length == 0 || line[0] == '#' || line[0] == '@') continue;
            var fields = line.Split((char[]?)null, 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3) continue;
            byte[] key;
            try
            {
                key = Convert.FromBase64String(fields[2]);
            }
            catch (FormatException)
            {
                continue;
            }
            yield return new Entry(fields[0], key);
        }
    }

    private sealed record Entry(string Hosts, byte[] Key)
    {
        public bool Matches(string token)
        {
            if (Hosts.StartsWith("|1|", StringComparison.Ordinal)) return MatchesHashed(token);
            var matched = false;
            foreach (var pattern in Hosts.Split(','))
            {
                var negated = pattern.StartsWith('!');
                if (!Glob(negated ? pattern[1..] : pattern, token)) continue;
                if (negated) return false;
                matched = true;
            }
            return matched;
        }

        private bool MatchesHashed(string token)
        {
            var parts = Hosts.Split('|');
            if (parts.Length != 4) return false;
            try
            {
                using var hmac = new HMACSHA1(Convert.FromBase64String(parts[2]));
                return hmac.ComputeHash(Encoding.UTF8.GetBytes(token)).AsSpan().SequenceEqual(Convert.FromBase64String(parts[3]));
            }
            catch (FormatException)
            {
                return false;
            }
        }

        private static bool Glob(string pattern, string text)
        {
            if (!pattern.Contains('*') && !pattern.Contains('?'))
                return string.Equals(pattern, text, StringComparison.OrdinalIgnoreCase);
            var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
            return System.Text.RegularExpressions.Regex.IsMatch(text, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        }
    }
}
