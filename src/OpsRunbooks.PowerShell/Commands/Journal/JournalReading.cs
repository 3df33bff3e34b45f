using OpsRunbooks.Environments;
using OpsRunbooks.Journal;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>The entries of an environment's operations log (or of the default one) for the cmdlets that read it.</summary>
internal static class JournalReading
{
    /// <summary>
    /// Every entry, newest first; none when nothing has been recorded yet. A line that is not an entry is passed
    /// to <paramref name="warn"/> and left out.
    /// </summary>
    public static List<OperationLogEntry> ReadAll(OpsEnvironment? environment, Action<string> warn, CancellationToken cancellationToken)
    {
        var file = new OperationJournal(environment, warn).File;
        try
        {
            return [.. file.ReadNewestFirst((offset, e) => warn($"The operations log '{file.Path}' has a line at byte {offset} that is not an entry ({e.Message}); it is left out."), cancellationToken)];
        }
        catch (OpsException e) when (e.ErrorId == JournalErrorIds.JournalFileNotFound)
        {
            return [];
        }
    }
}
