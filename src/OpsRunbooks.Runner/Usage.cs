using System.Reflection;

namespace OpsRunbooks.Runner;

public static class Usage
{
    private const string Synopsis = """
        usage: opsrunbook run [--wait-lock <time>] [--timeout <time>] <script.ps1> [-Parameter value ...]
               opsrunbook --help | --version
        """;

    public static int PrintHelp()
    {
        Console.WriteLine(Synopsis);
        Console.WriteLine($"""

            Runs a runbook script in the embedded PowerShell {PowerShellVersion} engine, with the OpsRunbooks
            module and pwsh's own cmdlets, unattended: warnings, verbose messages and errors go to standard
            error as they come, output objects to standard output as tables once the script has ended;
            nothing prompts. Script parameters are given as -Name value, -Switch or -Name:$false. A script
            path that does not exist from the current directory is looked up in the runbooks folder.

            One run at a time of a script for an -Environment: a second run exits with {ExitCodes.Locked} at once, or
            with --wait-lock waits that long for the first to end. The lock is a file under
            ${RunbookLock.StateDirectoryVariable} (default {RunbookLock.StateDirectory}), released by the
            system when a run ends however it ends. --timeout stops the runbook as SIGINT does (its cleanup
            runs) once that long has passed since the lock was taken, and exits with {ExitCodes.TimedOut}. A time is 90s,
            10m, 2h, 1d or hh:mm:ss. Each run gets a new id in ${RunbookRun.RunIdVariable}, and ends with a
            summary on standard error: the script, its parameters (secrets masked), start, duration,
            outcome and the counts of output objects, errors and warnings.

            The module is taken from ${ModuleLocator.Variable} (a folder or its .psd1), else from an
            OpsRunbooks folder beside or above this program.
            """);
        var folder = ModuleLocator.FindRunbooks();
        if (folder is not null)
        {
            Console.WriteLine($"\nRunbooks in {folder}:");
            var runbooks = RunbookCatalog.List(folder);
            var width = runbooks.Max(runbook => runbook.RelativePath.Length);
            foreach (var (path, synopsis) in runbooks)
                Console.WriteLine($"  {path.PadRight(width)}  {synopsis}");
            Console.WriteLine();
        }
        Console.WriteLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.All)
            Console.WriteLine($"  {code,-3}  {meaning}");
        return ExitCodes.Success;
    }

    public static int PrintVersion()
    {
        var version = typeof(Usage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        // The build appends the commit (+sha); the product version is what an operator compares.
        Console.WriteLine($"opsrunbook {version.Split('+')[0]} (PowerShell {PowerShellVersion})");
        return ExitCodes.Success;
    }

    public static int Wrong(string problem)
    {
        Console.Error.WriteLine("opsrunbook: " + problem);
        Console.Error.WriteLine(Synopsis);
        Console.Error.WriteLine("Run 'opsrunbook --help' for the runbooks and the exit codes.");
        return ExitCodes.Usage;
    }

    private static string PowerShellVersion =>
        typeof(System.Management.Automation.PowerShell).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split(' ', '+')[0]
        ?? "7";
}
