using System.Net;

namespace OpsRunbooks.Remote.Ssh;

/// <summary>
/// Where and how to log in over SSH. Exactly one of KeyFile and Password is used: a key file (OpenSSH, PKCS#8
/// or PuTTY format; KeyPassphrase when it is encrypted) or a password. Secrets stay in NetworkCredential so they
/// are never plain properties of an object that could be printed or serialized.
/// </summary>
public sealed record SshConnectionOptions
{
    public const int DefaultPort = 22;

    public required string Host { get; init; }
    public int Port { get; init; } = DefaultPort;
    public required string User { get; init; }
    public string? KeyFile { get; init; }
    public NetworkCredential? KeyPassphrase { get; init; }
    public NetworkCredential? Password { get; init; }

    /// <summary>The OpenSSH-format file of pinned host keys; null for <see cref="KnownHostsFile.DefaultPath"/>.</summary>
    public string? KnownHostsPath { get; init; }

    /// <summary>Accept and record the key of a host that has none recorded yet. A changed key is refused all the same.</summary>
    public bool TrustNewHostKey { get; init; }

    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);

    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    public string ResolvedKnownHostsPath => KnownHostsPath ?? KnownHostsFile.DefaultPath;
}
