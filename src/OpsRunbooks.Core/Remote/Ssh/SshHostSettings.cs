using System.Net;
using OpsRunbooks.Environments;

namespace OpsRunbooks.Remote.Ssh;

/// <summary>
/// An SSH host as an environment file names it: ComputerName, Port, User, and KeyFile or Password (a reference such
/// as 'env:NAME'), and KnownHostsPath. Host keys are never trusted from here: record them first with
/// Invoke-RemoteCommand -TrustNewHostKey, so an unattended run refuses a host it has not seen.
/// </summary>
public sealed record SshHostSettings(string ComputerName, int Port, string User, string? KeyFile, SecretReference? Password, string? KnownHostsPath)
{
    public static readonly IReadOnlyList<string> Keys = ["ComputerName", "Port", "User", "KeyFile", "Password", "KnownHostsPath"];

    public static SshHostSettings Read(SettingsTable table)
    {
        var keyFile = table.FilePath("KeyFile");
        var password = table.Secret("Password", "env:SSH_PASSWORD");
        if ((keyFile is null) == (password is null))
            throw table.Invalid("needs either KeyFile or Password to log in over SSH, not both and not neither");
        return new SshHostSettings(
            table.RequiredText("ComputerName"),
            table.WholeNumber("Port", 1, 65535, "a TCP port") ?? SshConnectionOptions.DefaultPort,
            table.RequiredText("User"),
            keyFile,
            password,
            table.FilePath("KnownHostsPath"));
    }

    /// <summary>"user@host:port", for messages (no secret).</summary>
    public string Location => $"{User}@{ComputerName}:{Port}";

    /// <summary>The connection options, with the password resolved now.</summary>
    public SshConnectionOptions ToOptions() => new()
    {
        Host = ComputerName,
        Port = Port,
        User = User,
        KeyFile = KeyFile,
        Password = Password is null ? null : new NetworkCredential(User, Password.Resolve()),
        KnownHostsPath = KnownHostsPath,
    };
}
