using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 that answers like health endpoints do: /healthy (200, {"status":"healthy"}),
/// /slow (the same after <see cref="SlowDelay"/>), /error (500), /malformed (200 with a body that is not JSON),
/// /degraded (200, {"status":"degraded"}) and /hang (never answers). One request per connection.
/// </summary>
public sealed class HealthHttpServer : LoopbackTcpServer
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromMilliseconds(800);

    public HealthHttpServer() => Start();

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    protected override async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        var requestLine = await reader.ReadLineAsync(Stopping) ?? "";
        while (!string.IsNullOrEmpty(await reader.ReadLineAsync(Stopping)))
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
        if (path == "/slow") await Task.Delay(SlowDelay, Stopping);
        if (path == "/hang") await Task.Delay(Timeout.Infinite, Stopping);
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Stopping);
        await stream.WriteAsync(bytes, Stopping);
    }
}
