using OpsRunbooks.Environments;

namespace OpsRunbooks.Scaling.Targets.Supervisor;

/// <summary>
/// Driver = 'Supervisor'; Url = 'http://127.0.0.1:9001' | 'unix:///run/supervisor.sock'; Group = '&lt;program&gt;';
/// User = '...'; Password = 'env:NAME': a supervisord program group, through its XML-RPC interface.
/// </summary>
public sealed class SupervisorTargetDriver : IScaleTargetDriver
{
    public string Name => SupervisorTargetSettings.DriverName;
    public string Kind => "a Supervisor program group";
    public IReadOnlyCollection<string> Keys { get; } = ["Url", "Group", "User", "Password"];

    public ScaleTargetSettings Read(SettingsTable target)
    {
        var url = target.RequiredText("Url");
        if (!SupervisorTargetSettings.IsValidUrl(url))
            throw target.Invalid("Url", $"is '{url}', which is not http://host:port[/RPC2] or unix:///path/to/supervisor.sock");
        var user = target.Text("User");
        var password = target.Secret("Password", "env:SUPERVISOR_PASSWORD");
        if ((user is null) != (password is null))
            throw target.Invalid("needs both User and Password, or neither (for a server without authentication)");
        return new SupervisorTargetSettings(url, target.RequiredText("Group"), user, password);
    }
}

/// <summary>A supervisord program group: <see cref="Url"/> is its XML-RPC endpoint, over HTTP or its unix socket.</summary>
public sealed record SupervisorTargetSettings(string Url, string Group, string? User, SecretReference? Password) : ScaleTargetSettings
{
    public const string DriverName = "Supervisor";

    public override string Driver => DriverName;
    public override string Location => $"group {Group} at {Url}";

    public override IScaleTarget Open(WorkerScaleTarget target) => new SupervisorScaleTarget(target, this);

    /// <summary>Whether <paramref name="url"/> is an endpoint this driver can talk to.</summary>
    public static bool IsValidUrl(string url) => TryParseUrl(url, out _);

    /// <summary>
    /// The HTTP endpoint and, for a unix socket, the socket's path: http://host:port gets /RPC2 when it has no path;
    /// unix:///path talks HTTP over the socket.
    /// </summary>
    internal static bool TryParseUrl(string url, out (Uri Endpoint, string? SocketPath) parsed)
    {
        parsed = default;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return false;
        if (uri.Scheme == "unix" && uri.AbsolutePath.Length > 1)
        {
            parsed = (new Uri("http://localhost/RPC2"), uri.AbsolutePath);
            return true;
        }
        if (uri.Scheme is not ("http" or "https")) return false;
        parsed = (uri.AbsolutePath is "/" or "" ? new Uri(uri, "/RPC2") : uri, null);
        return true;
    }
}
