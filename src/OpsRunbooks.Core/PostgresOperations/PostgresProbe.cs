using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace OpsRunbooks.PostgresOperations;

/// <summary>What a probe found at an address.</summary>
public sealed record ProbeResult(bool Answered, string Detail);

/// <summary>
/// Whether a PostgreSQL server answers at an address, without logging in: it sends the protocol's SSLRequest, which
/// every server answers with one byte ('S' or 'N') before any authentication, so no credential is needed or sent.
/// </summary>
public static class PostgresProbe
{
    private const int SslRequestCode = 80877103;

    public static async Task<ProbeResult> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var address = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var request = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(request, 8);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
            await stream.WriteAsync(request, limit.Token).ConfigureAwait(false);
            var answer = new byte[1];
            var read = await stream.ReadAsync(answer, limit.Token).ConfigureAwait(false);
            if (read == 1 && answer[0] is (byte)'S' or (byte)'N')
                return new ProbeResult(true, string.Create(CultureInfo.InvariantCulture, $"PostgreSQL answered at {address} in {clock.ElapsedMilliseconds} ms"));
            return new ProbeResult(false, $"{address} accepted a connection but did not answer as PostgreSQL does");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, string.Create(CultureInfo.InvariantCulture, $"no answer from {address} within {timeout.TotalSeconds:0.#} s"));
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            var reason = (e as SocketException ?? e.InnerException as SocketException)?.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                _ => e.Message,
            };
            return new ProbeResult(false, $"{address}: {reason}");
        }
    }
}
