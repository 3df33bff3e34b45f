using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace OpsRunbooks.Remote.Ssh;

/// <summary>
/// One logged-in SSH session to a host whose key was checked against the known-hosts file; runs commands on it,
/// one after another or several at once. Dispose closes it, which ends (SIGHUP) whatever still runs.
/// </summary>
public sealed class SshConnection : IDisposable
{
    private readonly SshClient _client;

    private SshConnection(SshClient client, string computerName)
    {
        _client = client;
        ComputerName = computerName;
    }

    public string ComputerName { get; }

    /// <summary>
    /// Connects and logs in within options.ConnectTimeout. A host key that is not recorded is refused unless
    /// TrustNewHostKey (then it is recorded); a key other than the recorded one is always refused.
    /// </summary>
    public static async Task<SshConnection> OpenAsync(SshConnectionOptions options, CancellationToken cancellationToken)
    {
        var authentication = Authentication(options);
        var info = new ConnectionInfo(options.Host, options.Port, options.User, authentication) { Timeout = options.ConnectTimeout };
        var client = new SshClient(info);
        var hostKeys = new KnownHostsFile(options.ResolvedKnownHostsPath);
        OpsException? refusal = null;
        client.HostKeyReceived += (_, e) =>
        {
            refusal = CheckHostKey(options, hostKeys, e.HostKeyName, e.HostKey);
            e.CanTrust = refusal is null;
        };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(limit.Token).ConfigureAwait(false);
            return new SshConnection(client, options.Host);
        }
        catch (Exception e) when (Describe(e, options, refusal, cancellationToken) is { } described)
        {
            client.Dispose();
            throw described;
        }
        catch
        {
            client.Dispose();
            throw;
        }
        finally
        {
            foreach (var method in authentication) (method as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Runs a command with the login shell of the user and returns its exit code and output. When the timeout
    /// passes or the token is cancelled, the command is sent a KILL signal and left.
    /// </summary>
    public async Task<RemoteCommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var sshCommand = _client.CreateCommand(command, Encoding.UTF8);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            await sshCommand.ExecuteAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OpsException(RemoteErrorIds.RemoteCommandTimedOut, FailureKind.OperationFailed,
                $"The command on {ComputerName} did not finish within {timeout}; it was sent a KILL signal. Give a longer -Timeout if it needs more time.",
                ComputerName);
        }
        catch (Exception e) when (e is SshException or SocketException)
        {
            throw new OpsException(RemoteErrorIds.RemoteCommandFailed, FailureKind.ConnectionFailed,
                $"The connection to {ComputerName} failed while running the command: {e.Message}", ComputerName, e);
        }
        // A command ended by a signal has no exit status; 128 + signal is what a shell would report.
        var exitCode = sshCommand.ExitStatus ?? 128 + SignalNumber(sshCommand.ExitSignal);
        return new RemoteCommandResult(ComputerName, command, exitCode, sshCommand.Result, sshCommand.Error, watch.Elapsed);
    }

    /// <summary>Opens a connection, runs one command and closes it.</summary>
    public static async Task<RemoteCommandResult> RunOnceAsync(SshConnectionOptions options, string command, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var connection = await OpenAsync(options, cancellationToken).ConfigureAwait(false);
        var result = await connection.RunAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        return result with { Duration = watch.Elapsed };
    }

    public void Dispose() => _client.Dispose();

    private static AuthenticationMethod[] Authentication(SshConnectionOptions options)
    {
        if (options.KeyFile is { } keyFile)
        {
            try
            {
                var key = new PrivateKeyFile(keyFile, options.KeyPassphrase?.Password is { Length: > 0 } passphrase ? passphrase : null);
                return [new PrivateKeyAuthenticationMethod(options.User, key)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException or ArgumentException)
            {
                throw new OpsException(RemoteErrorIds.SshKeyFileUnreadable, FailureKind.InvalidArgument,
                    $"The SSH key file {keyFile} could not be used: {e.Message}. Give an unencrypted private key (OpenSSH, PKCS#8 or PuTTY format) or its passphrase.",
                    keyFile, e);
            }
        }
        if (options.Password is { } password)
            return [new PasswordAuthenticationMethod(options.User, Encoding.UTF8.GetBytes(password.Password))];
        throw new OpsException(RemoteErrorIds.SshCredentialMissing, FailureKind.InvalidArgument,
            $"No way to log in to {options.Host} was given: pass -KeyFile with -User, or -Credential.", options.Host);
    }

    private static OpsException? CheckHostKey(SshConnectionOptions options, KnownHostsFile hostKeys, string keyType, byte[] key)
    {
        var presented = KnownHostsFile.Fingerprint(key);
        HostKeyCheck check;
        try
        {
            check = hostKeys.Check(options.Host, options.Port, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new OpsException(RemoteErrorIds.KnownHostsUnreadable, FailureKind.ResourceUnavailable,
                $"The known-hosts file {options.ResolvedKnownHostsPath} could not be read: {e.Message}", options.ResolvedKnownHostsPath, e);
        }
        var host = KnownHostsFile.HostToken(options.Host, options.Port);
        switch (check.Status)
        {
            case HostKeyStatus.Known:
                return null;
            case HostKeyStatus.Changed:
                return new OpsException(RemoteErrorIds.HostKeyChanged, FailureKind.AuthenticationFailed,
                    $"The host key of {host} has changed: it presented {keyType} {presented}, but {options.ResolvedKnownHostsPath} records " +
                    $"{string.Join(", ", check.RecordedFingerprints)}. Someone may be intercepting the connection. If the host was reinstalled " +
                    "or its key replaced, check the new fingerprint with its administrator and remove the old line from the file.",
                    options.Host);
            case HostKeyStatus.Unknown when !options.TrustNewHostKey:
                return new OpsException(RemoteErrorIds.HostKeyUnknown, FailureKind.AuthenticationFailed,
                    $"The host key of {host} ({keyType} {presented}) is not in {options.ResolvedKnownHostsPath}. Check the fingerprint with " +
                    "the host's administrator, then connect once with -TrustNewHostKey to record it.",
                    options.Host);
            default:
                try
                {
                    hostKeys.Record(options.Host, options.Port, keyType, key);
                    return null;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new OpsException(RemoteErrorIds.KnownHostsUnreadable, FailureKind.ResourceUnavailable,
                        $"The host key of {host} could not be recorded in {options.ResolvedKnownHostsPath}: {e.Message}",
                        options.ResolvedKnownHostsPath, e);
                }
        }
    }

    private static OpsException? Describe(Exception e, SshConnectionOptions options, OpsException? refusal, CancellationToken cancellationToken)
    {
        if (refusal is not null) return refusal;
        var endpoint = $"{options.Host}:{options.Port}";
        return e switch
        {
            OpsException ops => ops,
            OperationCanceledException when cancellationToken.IsCancellationRequested => null,
            OperationCanceledException or SshOperationTimeoutException => new OpsException(RemoteErrorIds.SshConnectionFailed,
                FailureKind.ConnectionFailed, $"{endpoint} did not complete an SSH login within {options.ConnectTimeout}. Check that sshd runs there and answers.",
                options.Host, e),
            SshAuthenticationException => new OpsException(RemoteErrorIds.SshAuthenticationFailed, FailureKind.AuthenticationFailed,
                $"{endpoint} refused the login of {options.User}: {e.Message}. Check the user and that its key or password is accepted there.",
                options.Host, e),
            SocketException or SshConnectionException or SshException or IOException => new OpsException(RemoteErrorIds.SshConnectionFailed,
                FailureKind.ConnectionFailed, $"Could not connect to {endpoint} over SSH: {e.Message}", options.Host, e),
            _ => null,
        };
    }

    private static int SignalNumber(string? signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ABRT" => 6,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };
}
