using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 that answers like health endpoints do: /healthy (200, {"status":"healthy"}),
/// /slow (the same after <see cref="SlowDelay"/>), /error (500), /malformed (200 with a body that is not JSON),
/// /degraded (200, {"status":"degraded"}) and /hang (never answers). One request per connection.
/// </summary>
public sealed class HealthHttpServer : IAsyncDisposable
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromMilliseconds(800);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public HealthHttpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(_stopping.Token) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stopping.Token)))
                {
                }
                var path = requestLine.Split(' ') is [_, var target, ..] ? target : "/";
                var (status, body) = path switch
                {
                    "/healthy" => ("200 OK", """{"status":"healthy","version":"1.4.2"}"""),
                    "/slow" => ("200 OK", """{"status":"healthy"}"""),
                    "/error" => ("500 Internal Server Error", """{"status":"down","error":"database unreachable"}"""),
                    "/malformed" => ("200 OK", "{status: healthy"),
                    "/degraded" => ("200 OK", """{"status":"degraded"}"""),
                    "/hang" => ("", ""),
                    _ => ("404 Not Found", """{"error":"no such path"}"""),
                };
                if (path == "/slow") await Task.Delay(SlowDelay, _stopping.Token);
                if (path == "/hang") await Task.Delay(Timeout.Infinite, _stopping.Token);
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stopping.Token);
                await stream.WriteAsync(bytes, _stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}
