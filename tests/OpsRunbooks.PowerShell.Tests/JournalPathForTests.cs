using System.Runtime.CompilerServices;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// Every cmdlet that changes state records an operations-log entry; entries of tests whose environment names no
/// Journal.Path go to a file of this test run rather than the user's own log.
/// </summary>
internal static class JournalPathForTests
{
    public static string DefaultLog { get; } = Path.Combine(Directory.CreateTempSubdirectory("opsrunbooks-journal-").FullName, "operations.jsonl");

    [ModuleInitializer]
    internal static void Initialize() => Environment.SetEnvironmentVariable("OPSRUNBOOKS_JOURNAL_PATH", DefaultLog);
}
