namespace OpsRunbooks.Remote;

/// <summary>The error ids of remote commands: one place, spelled once, so scripts can rely on them.</summary>
public static class RemoteErrorIds
{
    /// <summary>The host's key is not in the known-hosts file and TrustNewHostKey was not given.</summary>
    public const string HostKeyUnknown = "HostKeyUnknown";

    /// <summary>The host presented a key other than the one recorded for it: refused, whatever was asked.</summary>
    public const string HostKeyChanged = "HostKeyChanged";

    public const string KnownHostsUnreadable = "KnownHostsUnreadable";
    public const string SshKeyFileUnreadable = "SshKeyFileUnreadable";
    public const string SshCredentialMissing = "SshCredentialMissing";
    public const string SshConnectionFailed = "SshConnectionFailed";
    public const string SshAuthenticationFailed = "SshAuthenticationFailed";
    public const string RemoteCommandTimedOut = "RemoteCommandTimedOut";
    public const string RemoteCommandFailed = "RemoteCommandFailed";
}
