using OpsRunbooks.Remote.Ssh;

namespace OpsRunbooks.Scaling.Targets;

/// <summary>
/// The SSH session of a target driven by shell commands (Compose, SshCommand): opened on first use, kept for the
/// target's life, and a command's non-zero exit or refused login turned into the scaling area's errors.
/// </summary>
internal sealed class RemoteShell : IAsyncDisposable
{
    private readonly SshHostSettings _host;
    private readonly WorkerScaleTarget _target;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private SshConnection? _connection;

    public RemoteShell(SshHostSettings host, WorkerScaleTarget target)
    {
        _host = host;
        _target = target;
    }

    /// <summary>Runs a command and returns its standard output; a non-zero exit is ScaleCommandFailed with its standard error.</summary>
    public async Task<string> RunAsync(string command, string purpose, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        Remote.RemoteCommandResult result;
        try
        {
            result = await connection.RunAsync(command, timeout, cancellationToken);
        }
        catch (OpsException e) when (e.ErrorId is Remote.RemoteErrorIds.RemoteCommandFailed)
        {
            _connection = null;
            connection.Dispose();
            throw Unreachable(e);
        }
        if (result.ExitCode != 0)
            throw new OpsException(ScalingErrorIds.ScaleCommandFailed, FailureKind.OperationFailed,
                $"The command to {purpose} of target '{_target.Name}' on {_host.Location} exited with {result.ExitCode}: " +
                $"{(result.StandardError.Trim() is { Length: > 0 } error ? error : result.StandardOutput.Trim())}", _target);
        return result.StandardOutput;
    }

    private async Task<SshConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        await _opening.WaitAsync(cancellationToken);
        try
        {
            return _connection ??= await SshConnection.OpenAsync(_host.ToOptions(), cancellationToken);
        }
        catch (OpsException e) when (e.ErrorId is Remote.RemoteErrorIds.SshConnectionFailed)
        {
            throw Unreachable(e);
        }
        finally
        {
            _opening.Release();
        }
    }

    private OpsException Unreachable(OpsException e) => new(ScalingErrorIds.ScaleTargetUnreachable, FailureKind.ConnectionFailed,
        $"Target '{_target.Name}' cannot be reached: {e.Message}", _target, e);

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        _opening.Dispose();
        return ValueTask.CompletedTask;
    }
}
