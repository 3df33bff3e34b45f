using System.Globalization;
using StackExchange.Redis;

namespace OpsRunbooks.Redis;

/// <summary>
/// One connection to one Redis server, for a cmdlet's lifetime: open it with <see cref="ConnectAsync"/>, run its
/// commands through <see cref="RunAsync{T}"/> (which bounds them by the timeout and by the caller's cancellation and
/// turns failures into OpsExceptions with <see cref="RedisErrorIds"/>), dispose it at the end.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    /// <summary>The timeout of connecting and of each command when the caller gives none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly ConnectionMultiplexer _multiplexer;

    private RedisConnection(RedisEndpoint endpoint, ConnectionMultiplexer multiplexer)
    {
        Endpoint = endpoint;
        _multiplexer = multiplexer;
        Database = multiplexer.GetDatabase(endpoint.Database);
        Server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
    }

    public RedisEndpoint Endpoint { get; }

    /// <summary>The endpoint's logical database: keys, lists, batches.</summary>
    public IDatabase Database { get; }

    /// <summary>The server itself: INFO, PING, TIME.</summary>
    public IServer Server { get; }

    /// <summary>
    /// Connects with an explicit connect timeout and command timeout (<paramref name="timeout"/> for both), failing
    /// at once rather than retrying in the background, so an unreachable server is an error, not a hang.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(RedisEndpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var milliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        var options = new ConfigurationOptions
        {
            EndPoints = { { endpoint.Host, endpoint.Port } },
            DefaultDatabase = endpoint.Database,
            User = endpoint.User,
            Password = endpoint.HasPassword ? endpoint.Credential!.Password : null,
            ClientName = "OpsRunbooks",
            ConnectTimeout = milliseconds,
            SyncTimeout = milliseconds,
            AsyncTimeout = milliseconds,
            ConnectRetry = 1,
            AbortOnConnectFail = true,
            // The client counts INFO among "admin" commands; the module only reads with them.
            AllowAdmin = true,
            // One plain server: no tie-breaker key read and no pub/sub channel for configuration broadcasts.
            TieBreaker = "",
            ConfigurationChannel = "",
            // Nothing here subscribes: without SUBSCRIBE the client opens one connection, not a second for pub/sub.
            CommandMap = CommandMap.Create(new HashSet<string> { "SUBSCRIBE" }, available: false),
        };
        try
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RedisConnection(endpoint, multiplexer);
        }
        catch (Exception e) when (IsRedisFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw ConnectFailure(e, endpoint);
        }
    }

    /// <summary>Runs commands on this connection; a failure becomes an OpsException naming the server.</summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> commands, CancellationToken cancellationToken)
    {
        try
        {
            return await commands(Database).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRedisFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw Failure(e, Endpoint);
        }
    }

    /// <summary>INFO's sections (e.g. "memory", "clients", "stats") as one name → value table.</summary>
    public Task<IReadOnlyDictionary<string, string>> InfoAsync(CancellationToken cancellationToken, params string[] sections) =>
        RunAsync<IReadOnlyDictionary<string, string>>(async _ =>
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var section in sections)
            {
                foreach (var group in await Server.InfoAsync(section).ConfigureAwait(false))
                    foreach (var (key, value) in group)
                        values[key] = value;
            }
            return values;
        }, cancellationToken);

    /// <summary>A whole number from INFO, or null when the server does not report it.</summary>
    public static long? InfoNumber(IReadOnlyDictionary<string, string> info, string key) =>
        info.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>Whether <paramref name="e"/> is a failure of the server or its connection that <see cref="Failure"/> describes.</summary>
    public static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or IOException
        || e is AggregateException { InnerException: { } inner } && IsRedisFailure(inner);

    /// <summary>
    /// A failure on an open connection: the server's error reply is RedisError, a command that got no answer in time
    /// RedisTimedOut, a broken connection RedisConnectionLost; each names the server, never a driver's exception.
    /// </summary>
    public static OpsException Failure(Exception e, RedisEndpoint endpoint) => e switch
    {
        OpsException known => known,
        AggregateException { InnerException: { } inner } => Failure(inner, endpoint),
        RedisServerException server when IsAuthenticationError(server.Message) => AuthenticationFailed(endpoint, server),
        RedisServerException server => new OpsException(RedisErrorIds.RedisError, FailureKind.OperationFailed,
            $"Redis at {endpoint} answered: {server.Message}", endpoint.ToString(), e),
        RedisTimeoutException or TimeoutException => new OpsException(RedisErrorIds.RedisTimedOut, FailureKind.ConnectionFailed,
            $"Redis at {endpoint} did not answer in time. Check the server's load (SLOWLOG, INFO) or give a longer -Timeout.",
            endpoint.ToString(), e),
        _ => new OpsException(RedisErrorIds.RedisConnectionLost, FailureKind.ConnectionFailed,
            $"The connection to Redis at {endpoint} was lost: {FirstLine(e.Message)}. Check that the server still runs, then try again.",
            endpoint.ToString(), e),
    };

    private static OpsException ConnectFailure(Exception e, RedisEndpoint endpoint)
    {
        if (e is AggregateException { InnerException: { } inner }) return ConnectFailure(inner, endpoint);
        if (e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } || IsAuthenticationError(e.Message)
            || e.InnerException is { } cause && IsAuthenticationError(cause.Message))
            return AuthenticationFailed(endpoint, e);
        if (e is RedisTimeoutException or TimeoutException)
            return new OpsException(RedisErrorIds.RedisTimedOut, FailureKind.ConnectionFailed,
                $"Redis at {endpoint} did not answer within the connect timeout. Check that the server runs and is reachable, or give a longer -Timeout.",
                endpoint.ToString(), e);
        return new OpsException(RedisErrorIds.RedisConnectionFailed, FailureKind.ConnectionFailed,
            $"Could not connect to Redis at {endpoint}: {FirstLine(e.Message)}. Check that the server runs and listens there.",
            endpoint.ToString(), e);
    }

    private static OpsException AuthenticationFailed(RedisEndpoint endpoint, Exception e) => new(RedisErrorIds.RedisAuthenticationFailed,
        FailureKind.AuthenticationFailed,
        endpoint.HasPassword
            ? $"Redis at {endpoint} refused the password{(endpoint.User is { } user ? $" of '{user}'" : "")}. Check -Credential (or the environment variable the environment file names)."
            : $"Redis at {endpoint} requires a password. Give -Credential (or the environment file's Redis.Password).",
        endpoint.ToString(), e);

    private static bool IsAuthenticationError(string message) =>
        message.Contains("NOAUTH", StringComparison.Ordinal) || message.Contains("WRONGPASS", StringComparison.Ordinal)
        || message.Contains("invalid password", StringComparison.OrdinalIgnoreCase) || message.Contains("AuthenticationFailure", StringComparison.Ordinal);

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd('.', ' ', '\r');

    public async ValueTask DisposeAsync() => await _multiplexer.DisposeAsync().ConfigureAwait(false);
}
