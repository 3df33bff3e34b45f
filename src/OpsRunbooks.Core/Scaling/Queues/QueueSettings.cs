using System.Net;
using OpsRunbooks.Environments;
using OpsRunbooks.Redis;

namespace OpsRunbooks.Scaling.Queues;

/// <summary>
/// Scaling.Redis = @{ Server = 'host:port'; Database = 0; User = 'name'; Password = 'env:NAME' }: the Redis
/// server the queues live on. The password stays a reference until a connection is made.
/// </summary>
public sealed record RedisServerSettings(string Server, int Database, string? User, SecretReference? Password)
{
    public static readonly IReadOnlyCollection<string> Keys = ["Server", "Database", "User", "Password"];

    public static RedisServerSettings Read(SettingsTable table)
    {
        var server = table.RequiredText("Server");
        var database = table.WholeNumber("Database", 0, 15_999, "a Redis database number (0 and up)") ?? 0;
        try
        {
            RedisEndpoint.Parse(server, database);
        }
        catch (OpsException e)
        {
            throw table.Invalid("Server", $"'{server}' is not host:port ({e.Message})");
        }
        return new RedisServerSettings(server, database, table.Text("User"), table.Secret("Password", "env:REDIS_PASSWORD"));
    }

    /// <summary>The endpoint, with the password resolved now.</summary>
    public RedisEndpoint ResolveEndpoint() => RedisEndpoint.Parse(Server, Database,
        Password is null && User is null ? null : new NetworkCredential(User ?? "", Password?.Resolve() ?? ""));

    public override string ToString() => (Database == 0 ? Server : $"{Server}/{Database}") + (Password is null ? "" : $" (password {Password})");
}

/// <summary>
/// Scaling.Queues = @{ Names = @('default', 'mail'); Layout = 'Horizon'; KeyPrefix = 'shop_database_' }: the queues
/// Get-QueueDepth -Environment reads when no -Queue is given, and how they are laid out.
/// </summary>
public sealed record QueueSettings(IReadOnlyList<string> Names, QueueLayout Layout, string? KeyPrefix)
{
    public static readonly IReadOnlyCollection<string> Keys = ["Names", "Layout", "KeyPrefix"];

    public static QueueSettings Read(SettingsTable table)
    {
        var names = table.TextList("Names") ?? [];
        var layoutText = table.Text("Layout");
        var layout = QueueLayout.Horizon;
        if (layoutText is not null && !Enum.TryParse(layoutText, ignoreCase: true, out layout))
            throw table.Invalid("Layout", $"'{layoutText}' is not one of {string.Join(", ", Enum.GetNames<QueueLayout>())}");
        return new QueueSettings(names, layout, table.Deferred("KeyPrefix", "a string"));
    }

    public override string ToString() => $"{Layout} queues {string.Join(", ", Names)}" + (KeyPrefix is { Length: > 0 } p ? $" (prefix {p})" : "");
}
