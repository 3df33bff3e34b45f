using System.Net;
using System.Net.Sockets;

namespace OpsRunbooks.TestSupport;

/// <summary>
/// A server on a free 127.0.0.1 port that hands each connection to <see cref="ServeAsync"/> until it is disposed;
/// what a connection gets is the subclass's.
/// </summary>
public abstract class LoopbackTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _accepting;

    public int Port { get; private set; }

    /// <summary>Ended when the server is disposed.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Called by the subclass's constructor once what <see cref="ServeAsync"/> needs is set.</summary>
    protected void Start()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Answers one connection; a client that goes away or a server that stops ends it quietly.</summary>
    protected abstract Task ServeAsync(TcpClient client);

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
            _ = ServeAndCloseAsync(client);
        }
    }

    private async Task ServeAndCloseAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await ServeAsync(client);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException
                                          or System.Security.Authentication.AuthenticationException)
            {
            }
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Stop();
        if (_accepting is not null) await _accepting;
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
