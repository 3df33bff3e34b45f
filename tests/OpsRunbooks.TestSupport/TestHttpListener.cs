using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// An HTTP server the test owns on 127.0.0.1 and a free port: it records each request (method, path, headers,
/// body) and answers with what <c>answer</c> makes of it, or else with the next status of <see cref="Answers"/>
/// (200 once they run out) and no body.
/// </summary>
public sealed class TestHttpListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<RecordedRequest, (int Status, string Body)> _answer;
    private readonly Task _serving;

    public TestHttpListener(Func<RecordedRequest, (int Status, string Body)>? answer = null)
    {
        _answer = answer ?? (_ => (Answers.TryDequeue(out var status) ? status : 200, ""));
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public ConcurrentQueue<int> Answers { get; } = new();
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>A loopback port nothing listens on (taken and released at once), for a channel that is down.</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath,
                context.Request.Headers["Authorization"], body, context.Request.ContentType);
            Requests.Enqueue(request);
            var (status, answer) = _answer(request);
            context.Response.StatusCode = status;
            if (answer.Length > 0)
            {
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer));
            }
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        // Close alone: after Stop, Close binds the port again to remove its prefix, and fails when another
        // listener has taken the port meanwhile.
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}

public sealed record RecordedRequest(string Method, string Path, string? Authorization, string Body, string? ContentType);
