namespace OpsRunbooks.Runner;

/// <summary>What opsrunbook's exit status means; --help and the README list the same table.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    // sysexits.h's EX_TEMPFAIL: nothing ran, trying again later may work.
    public const int Locked = 75;
    // What GNU timeout exits with when it had to stop the command.
    public const int TimedOut = 124;
    // 128 + the signal's number, as shells report a process that a signal ended.
    public const int Interrupted = 130;
    public const int Terminated = 143;

    public static readonly IReadOnlyList<(int Code, string Meaning)> All =
    [
        (Success, "the runbook succeeded"),
        (Failed, "the runbook failed: it threw, wrote an error, or exited non-zero (its own exit N is passed on)"),
        (Usage, "wrong usage: an unknown option, no such script, or parameters that do not bind (misspelled, missing or invalid)"),
        (Locked, "not run: another run of the same runbook for the same environment holds the lock (after --wait-lock, if given)"),
        (TimedOut, "stopped by --timeout; the runbook was stopped and its cleanup ran"),
        (Interrupted, "interrupted by SIGINT (Ctrl+C); the runbook was stopped and its cleanup ran"),
        (Terminated, "interrupted by SIGTERM (systemd, timeout, kill); the same"),
    ];
}
