namespace OpsRunbooks.Remote;

/// <summary>What one command run on a remote host returned.</summary>
public sealed record RemoteCommandResult(
    string ComputerName,
    string Command,
    int ExitCode,
    string StandardOutput,
    string StandardError,
    TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;
}
