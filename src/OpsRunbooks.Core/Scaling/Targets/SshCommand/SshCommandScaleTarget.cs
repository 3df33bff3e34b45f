using System.Globalization;

namespace OpsRunbooks.Scaling.Targets.SshCommand;

/// <summary>Workers counted and scaled by the target's own commands; the scale command is expected to return once it has asked.</summary>
internal sealed class SshCommandScaleTarget : IScaleTarget
{
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ScaleTimeout = TimeSpan.FromMinutes(5);

    private readonly SshCommandTargetSettings _settings;
    private readonly RemoteShell _shell;

    public SshCommandScaleTarget(WorkerScaleTarget definition, SshCommandTargetSettings settings)
    {
        Definition = definition;
        _settings = settings;
        _shell = new RemoteShell(settings.Host, definition);
    }

    public WorkerScaleTarget Definition { get; }

    public async Task<ScaleState> GetScaleAsync(CancellationToken cancellationToken)
    {
        var output = await _shell.RunAsync(_settings.CountCommand, "count the workers", CountTimeout, cancellationToken);
        var numbers = output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (int?)null).ToArray();
        return numbers switch
        {
            [{ } count] => ScaleState.Of(count, count, count),
            [{ } desired, { } running, { } ready] => ScaleState.Of(desired, running, ready),
            _ => throw new OpsException(ScalingErrorIds.ScaleCountUnreadable, FailureKind.InvalidData,
                $"The CountCommand of target '{Definition.Name}' printed '{output.Trim()}'; it must print one whole number (the count) or three (desired, running, ready).",
                Definition),
        };
    }

    public async Task<ScaleAction> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        var command = _settings.ScaleCommand.Replace(SshCommandTargetSettings.ReplicasPlaceholder, replicas.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await _shell.RunAsync(command, $"scale to {replicas}", ScaleTimeout, cancellationToken);
        return ScaleAction.Requested;
    }

    public ValueTask DisposeAsync() => _shell.DisposeAsync();
}
