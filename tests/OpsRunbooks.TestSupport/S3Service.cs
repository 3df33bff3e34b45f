using System.Diagnostics;
using System.Net.Sockets;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// An S3-compatible server (s3rver, pinned in tests/services/s3) on 127.0.0.1 with one bucket. It can be
/// stopped and started again on the same port and data, to test uploads that lose their server.
/// </summary>
public sealed class S3Service : IAsyncDisposable
{
    public const string Bucket = "opsrunbooks-test";

    // s3rver's fixed development credentials.
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly string _directory;
    private Process? _process;

    private S3Service(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public bool IsRunning => _process is { HasExited: false };

    public static string ServerScript => RepositoryPaths.Combine("tests", "services", "s3", "node_modules", "s3rver", "bin", "s3rver.js");

    public static async Task<S3Service> StartAsync()
    {
        if (!File.Exists(ServerScript))
            throw new InvalidOperationException($"s3rver is not installed at {ServerScript}. Run tests/services/install.sh first.");
        var service = new S3Service(Directory.CreateTempSubdirectory("opsrunbooks-s3-").FullName, FreePort());
        await service.StartAgainAsync();
        return service;
    }

    public async Task StartAgainAsync()
    {
        if (IsRunning) return;
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { ServerScript, "--directory", _directory, "--address", "127.0.0.1", "--port", Port.ToString(), "--silent", "--configure-bucket", Bucket })
            start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode} while starting on port {Port}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"s3rver did not listen on 127.0.0.1:{Port} within 30 s.");
    }

    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>The bytes s3rver holds for an object: what was stored, not what a client was told.</summary>
    public string ObjectDirectory => Path.Combine(_directory, Bucket);

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
