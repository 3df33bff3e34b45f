namespace OpsRunbooks.TestSupport;

/// <summary>
/// A throwaway Docker Engine that is a single-node Swarm (tests/services/docker.sh), with the worker image
/// (busybox and tests/services/worker) imported as <see cref="WorkerImage"/>. A Swarm manager takes 127.0.0.1:2377,
/// so a test project shares one of these (<see cref="DockerFixture"/> in a collection), and the test projects, which
/// run at the same time, take turns through a lock file that each holds while its daemon runs.
/// </summary>
public sealed class DockerService : IAsyncDisposable
{
    private static readonly string MachineLockPath = Path.Combine(Path.GetTempPath(), "opsrunbooks-swarm.lock");
    private static readonly TimeSpan MachineLockTimeout = TimeSpan.FromMinutes(15);

    private readonly string _directory;
    private readonly FileStream _machineLock;

    private DockerService(string directory, FileStream machineLock, IReadOnlyDictionary<string, string> settings)
    {
        _directory = directory;
        _machineLock = machineLock;
        Endpoint = settings["DOCKER_HOST"];
        WorkerImage = settings["WORKER_IMAGE"];
    }

    /// <summary>The daemon's socket as DOCKER_HOST and the Swarm target's Endpoint take it: unix:///.../docker.sock.</summary>
    public string Endpoint { get; }

    public string WorkerImage { get; }

    public static string Script => RepositoryPaths.Combine("tests", "services", "docker.sh");

    public static async Task<DockerService> StartAsync()
    {
        var machineLock = await TakeMachineLockAsync();
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-docker-").FullName;
        var result = await ProcessRunner.RunAsync("bash", [Script, "start", directory], timeout: TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            await machineLock.DisposeAsync();
            throw new InvalidOperationException($"dockerd for the tests did not start (exit {result.ExitCode}). Run tests/services/install.sh first.\n{result.Error}");
        }
        var settings = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        return new DockerService(directory, machineLock, settings);
    }

    // FileShare.None is an exclusive flock on Unix, released by the kernel when the holder dies, so a crashed test
    // run never leaves the next one waiting.
    private static async Task<FileStream> TakeMachineLockAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(MachineLockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < MachineLockTimeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Runs the docker CLI against this daemon and returns its standard output; a failure throws.</summary>
    public async Task<string> DockerAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("docker", arguments, new Dictionary<string, string> { ["DOCKER_HOST"] = Endpoint },
            TimeSpan.FromMinutes(2));
        return result.EnsureSuccess($"docker {string.Join(' ', arguments)}").Output;
    }

    /// <summary>
    /// Creates a replicated service of the worker image on the host network (it reaches Redis on 127.0.0.1) and
    /// returns at once; <paramref name="command"/> replaces the worker (e.g. "sleep", "600" for one that ignores SIGTERM).
    /// </summary>
    public Task CreateServiceAsync(string name, int replicas, TimeSpan stopGracePeriod, IReadOnlyDictionary<string, string>? environment = null,
        params string[] command)
    {
        List<string> arguments = ["service", "create", "--detach", "--quiet", "--name", name, "--replicas", replicas.ToString(),
            "--endpoint-mode", "dnsrr", "--network", "host", "--stop-grace-period", $"{(int)stopGracePeriod.TotalMilliseconds}ms",
            "--restart-delay", "1s"];
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            arguments.AddRange(["--env", $"{key}={value}"]);
        return DockerAsync([.. arguments, WorkerImage, .. command]);
    }

    public Task RemoveServiceAsync(string name) => DockerAsync("service", "rm", name);

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [Script, "stop", _directory], timeout: TimeSpan.FromMinutes(2));
        Directory.Delete(_directory, recursive: true);
        await _machineLock.DisposeAsync();
    }
}
