namespace OpsRunbooks.TestSupport;

/// <summary>
/// A throwaway Redis server on 127.0.0.1, started by tests/services/redis.sh without persistence, with a random
/// password when asked. Starting fails loudly when the server cannot run: tests that need it must not pass without it.
/// </summary>
public sealed class RedisService : IAsyncDisposable
{
    private readonly string _directory;

    private RedisService(string directory, IReadOnlyDictionary<string, string> settings)
    {
        _directory = directory;
        Host = settings["REDIS_HOST"];
        Port = int.Parse(settings["REDIS_PORT"]);
        Password = settings.GetValueOrDefault("REDIS_PASSWORD") is { Length: > 0 } password ? password : null;
    }

    public string Host { get; }
    public int Port { get; }

    /// <summary>The requirepass of the server; null when it was started without one.</summary>
    public string? Password { get; }

    /// <summary>The server as -Redis takes it: host:port.</summary>
    public string Endpoint => $"{Host}:{Port}";

    public static string Script => RepositoryPaths.Combine("tests", "services", "redis.sh");

    /// <param name="withPassword">Start the server with a random requirepass (<see cref="Password"/>).</param>
    public static async Task<RedisService> StartAsync(bool withPassword = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"opsrunbooks-redis-{Guid.NewGuid():N}");
        string[] arguments = withPassword ? [Script, "start", directory, "--password"] : [Script, "start", directory];
        var result = await ProcessRunner.RunAsync("bash", arguments, timeout: TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"Redis for the tests did not start (exit {result.ExitCode}). Run tests/services/install.sh first.\n{result.Error}");
        var settings = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        return new RedisService(directory, settings);
    }

    /// <summary>
    /// Runs one command through redis-cli (the password in its environment, not its arguments) and returns its
    /// raw output, so tests set up and check data with another client than the one under test.
    /// </summary>
    public async Task<string> CliAsync(params string[] command)
    {
        var environment = new Dictionary<string, string> { ["REDISCLI_AUTH"] = Password ?? "" };
        var result = await ProcessRunner.RunAsync("redis-cli", ["-h", Host, "-p", Port.ToString(), "--no-auth-warning", "--raw", .. command],
            environment, TimeSpan.FromSeconds(30));
        var output = result.EnsureSuccess($"redis-cli {string.Join(' ', command)}").Output.TrimEnd('\n');
        // redis-cli exits 0 on a server error reply; a test must not carry on as though the command worked.
        return output.StartsWith("ERR ", StringComparison.Ordinal) || output.StartsWith("WRONGTYPE ", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"redis-cli {command[0]} failed: {output}")
            : output;
    }

    /// <summary>Runs commands, one a line through redis-cli's standard input, in logical database <paramref name="database"/>: bulk test data.</summary>
    public async Task PipeAsync(IEnumerable<string[]> commands, int database = 0)
    {
        var file = Path.Combine(_directory, $"commands-{Guid.NewGuid():N}.txt");
        await File.WriteAllLinesAsync(file, commands.Select(c => string.Join(' ', c.Select(Quote))));
        var environment = new Dictionary<string, string> { ["REDISCLI_AUTH"] = Password ?? "" };
        var result = await ProcessRunner.RunAsync("bash", ["-c", $"redis-cli -h {Host} -p {Port} -n {database} --no-auth-warning < \"$0\"", file],
            environment, TimeSpan.FromMinutes(1));
        File.Delete(file);
        result.EnsureSuccess("redis-cli (piped commands)");
    }

    /// <summary>Empties every database of the server.</summary>
    public Task FlushAsync() => CliAsync("FLUSHALL");

    /// <summary>Stops the server (it keeps nothing); the fixture is then done.</summary>
    public async Task StopAsync()
    {
        await ProcessRunner.RunAsync("bash", [Script, "stop", _directory], timeout: TimeSpan.FromMinutes(1));
    }

    private static string Quote(string argument) =>
        "\"" + argument.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
