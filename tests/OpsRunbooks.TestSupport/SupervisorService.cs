namespace OpsRunbooks.TestSupport;

/// <summary>
/// A throwaway supervisord (tests/services/supervisor.sh) whose program groups run the test queue worker against a
/// Redis: <c>worker</c> (jobs from queues:jobs), <c>slow</c> (5 s jobs from queues:slow, stopwaitsecs 1, so a stop
/// mid-job ends in SIGKILL) and <c>crashing</c> (workers that exit at once), each with <see cref="NumProcs"/> processes
/// and none started. Stopped by its PID on dispose.
/// </summary>
public sealed class SupervisorService : IAsyncDisposable
{
    private readonly string _directory;

    private SupervisorService(string directory, IReadOnlyDictionary<string, string> settings, int numProcs)
    {
        _directory = directory;
        Url = settings["SUPERVISOR_URL"];
        SocketPath = settings["SUPERVISOR_SOCKET"];
        Pid = int.Parse(settings["SUPERVISOR_PID"]);
        NumProcs = numProcs;
    }

    /// <summary>The XML-RPC endpoint over HTTP: http://127.0.0.1:port/RPC2.</summary>
    public string Url { get; }

    /// <summary>The unix socket of the same interface.</summary>
    public string SocketPath { get; }

    public int Pid { get; }
    public int NumProcs { get; }

    public static string Script => RepositoryPaths.Combine("tests", "services", "supervisor.sh");

    /// <summary>The main log, where supervisord records its SIGKILLs.</summary>
    public string LogPath => Path.Combine(_directory, "supervisord.log");

    public static async Task<SupervisorService> StartAsync(string redisEndpoint, int numProcs = 4, int stopWaitSeconds = 10, int jobMilliseconds = 100)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"opsrunbooks-supervisor-{Guid.NewGuid():N}");
        var result = await ProcessRunner.RunAsync("bash",
            [Script, "start", directory, "--redis", redisEndpoint, "--numprocs", numProcs.ToString(), "--stopwaitsecs", stopWaitSeconds.ToString(), "--job-ms", jobMilliseconds.ToString()],
            timeout: TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"supervisord for the tests did not start (exit {result.ExitCode}). Run tests/services/install.sh first.\n{result.Error}");
        var settings = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        return new SupervisorService(directory, settings, numProcs);
    }

    /// <summary>supervisorctl's status of every process, for test failure messages.</summary>
    public async Task<string> StatusAsync() =>
        (await ProcessRunner.RunAsync("supervisorctl", ["-c", Path.Combine(_directory, "supervisord.conf"), "status"], timeout: TimeSpan.FromSeconds(30))).Output;

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [Script, "stop", _directory], timeout: TimeSpan.FromMinutes(1));
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>A Redis without a password and a supervisord whose workers take jobs from it, shared by a collection.</summary>
public sealed class SupervisorFixture : Xunit.IAsyncLifetime
{
    private RedisService? _redis;
    private SupervisorService? _supervisor;

    public RedisService Redis => _redis ?? throw new InvalidOperationException("Redis was not started.");
    public SupervisorService Supervisor => _supervisor ?? throw new InvalidOperationException("supervisord was not started.");

    public async Task InitializeAsync()
    {
        _redis = await RedisService.StartAsync();
        _supervisor = await SupervisorService.StartAsync(_redis.Endpoint, numProcs: 4, stopWaitSeconds: 10, jobMilliseconds: 100);
    }

    public async Task DisposeAsync()
    {
        if (_supervisor is not null) await _supervisor.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
