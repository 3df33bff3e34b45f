namespace OpsRunbooks.TestSupport;

/// <summary>
/// A throwaway OpenSSH server on 127.0.0.1 (tests/services/sshd.sh) that logs in the user running the tests with
/// a generated key. It can be restarted with a new host key, to test a host whose key changed.
/// </summary>
public sealed class SshService : IAsyncDisposable
{
    private readonly string _directory;

    private SshService(string directory, IReadOnlyDictionary<string, string> settings)
    {
        _directory = directory;
        Host = settings["SSH_HOST"];
        Port = int.Parse(settings["SSH_PORT"]);
        User = settings["SSH_USER"];
        KeyFile = settings["SSH_KEY_FILE"];
    }

    public string Host { get; }
    public int Port { get; }
    public string User { get; }

    /// <summary>The private key (OpenSSH format, no passphrase) that the server accepts.</summary>
    public string KeyFile { get; }

    /// <summary>The server's current public host key line: "ssh-ed25519 AAAA...".</summary>
    public string HostPublicKey => string.Join(' ', File.ReadAllText(Path.Combine(_directory, "host_key.pub")).Split(' ').Take(2));

    /// <summary>A line for a known_hosts file that pins the current host key.</summary>
    public string KnownHostsLine => $"[{Host}]:{Port} {HostPublicKey}";

    public static string Script => RepositoryPaths.Combine("tests", "services", "sshd.sh");

    public static async Task<SshService> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-sshd-").FullName;
        return new SshService(directory, await RunScriptAsync("start", directory));
    }

    /// <summary>Stops the server, gives it a new host key and starts it again on the same port.</summary>
    public async Task ReplaceHostKeyAsync()
    {
        await RunScriptAsync("stop", _directory);
        await RunScriptAsync("rekey", _directory);
        await RunScriptAsync("start", _directory, "--port", Port.ToString());
    }

    private static async Task<IReadOnlyDictionary<string, string>> RunScriptAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("bash", [Script, .. arguments], timeout: TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"sshd.sh {arguments[0]} failed (exit {result.ExitCode}). Run tests/services/install.sh first.\n{result.Error}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [Script, "stop", _directory], timeout: TimeSpan.FromMinutes(1));
        Directory.Delete(_directory, recursive: true);
    }
}
