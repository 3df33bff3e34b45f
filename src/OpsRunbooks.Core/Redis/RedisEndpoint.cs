using System.Globalization;
using System.Net;

namespace OpsRunbooks.Redis;

/// <summary>
/// A Redis server, the logical database to use on it and the login, if it needs one. The password is kept out of
/// every public property and of <see cref="ToString"/>, so an endpoint may be shown or serialized.
/// </summary>
public sealed class RedisEndpoint
{
    public const int DefaultPort = 6379;

    /// <param name="credential">The password (requirepass), with an ACL user name when the server has users; null for none.</param>
    public RedisEndpoint(string host, int port, int database = 0, NetworkCredential? credential = null)
    {
        Host = host;
        Port = port;
        Database = database;
        Credential = credential;
    }

    public string Host { get; }
    public int Port { get; }

    /// <summary>The logical database (SELECT n).</summary>
    public int Database { get; }

    /// <summary>The ACL user name, or null for the default user.</summary>
    public string? User => Credential?.UserName is { Length: > 0 } user ? user : null;

    public bool HasPassword => Credential?.Password is { Length: > 0 };

    internal NetworkCredential? Credential { get; }

    /// <summary>The same server and login with another logical database.</summary>
    public RedisEndpoint WithDatabase(int database) => new(Host, Port, database, Credential);

    /// <summary>
    /// Reads "host", "host:port" or "[v6-address]:port", as -Redis and the environment file's Redis.Server take it.
    /// </summary>
    public static RedisEndpoint Parse(string address, int database = 0, NetworkCredential? credential = null)
    {
        if (database is < 0 or > 15_999)
            throw Invalid(address, $"the database number {database} is not one Redis has (0 and up; 0 to 15 on a default server)");
        var text = address.Trim();
        string host;
        var port = DefaultPort;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw Invalid(address, "an IPv6 address in brackets has no closing ']'");
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryPort(rest[1..], out port)))
                throw Invalid(address, $"'{rest}' after the address is not ':port'");
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':') != colon)
                throw Invalid(address, "an IPv6 address needs brackets: [::1]:6379");
            host = colon < 0 ? text : text[..colon];
            if (colon >= 0 && !TryPort(text[(colon + 1)..], out port))
                throw Invalid(address, $"'{text[(colon + 1)..]}' is not a port from 1 to 65535");
        }
        if (host.Length == 0 || host.Any(char.IsWhiteSpace))
            throw Invalid(address, "it names no host");
        return new RedisEndpoint(host, port, database, credential);
    }

    /// <summary>host:port, as a user writes it, for messages and output.</summary>
    public string Address => (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The address and database; never the password.</summary>
    public override string ToString() => Database == 0 ? Address : $"{Address}/{Database}";

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    private static OpsException Invalid(string address, string problem) => new(RedisErrorIds.RedisAddressInvalid, FailureKind.InvalidArgument,
        $"'{address}' is not a Redis server address: {problem}. Write it as host:port, such as 127.0.0.1:6379.", address);
}
