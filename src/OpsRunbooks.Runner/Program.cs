using System.Management.Automation;
using System.Management.Automation.Runspaces;
using OpsRunbooks.Runner;

// opsrunbook run <script.ps1> [-Parameter value ...]
// Runs a runbook script in the embedded PowerShell engine with the OpsRunbooks module loaded, for
// scheduled tasks on hosts without pwsh. Exit code: 0 success, 1 the script threw or wrote errors, 2 usage.
if (args.Length < 2 || args[0] != "run")
{
    Console.Error.WriteLine("usage: opsrunbook run <script.ps1> [-Parameter value ...]");
    Console.Error.WriteLine($"The module is taken from ${ModuleLocator.Variable}, else found beside or above this program.");
    return 2;
}

var scriptPath = Path.GetFullPath(args[1]);
if (!File.Exists(scriptPath))
{
    Console.Error.WriteLine($"opsrunbook: no script '{scriptPath}'.");
    return 2;
}

System.Collections.Hashtable parameters;
string modulePath;
try
{
    parameters = ScriptArguments.Parse(args[2..]);
    modulePath = ModuleLocator.Find();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("opsrunbook: " + e.Message);
    return 2;
}

var host = new RunnerHost();
using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
runspace.Open();
runspace.SessionStateProxy.Path.SetLocation(Directory.GetCurrentDirectory());
using var shell = PowerShell.Create();
shell.Runspace = runspace;

var errors = 0;
shell.Streams.Error.DataAdded += (_, e) =>
{
    errors++;
    var record = shell.Streams.Error[e.Index];
    Console.Error.WriteLine($"ERROR: {record} ({record.FullyQualifiedErrorId})");
};
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the pipeline so cmdlets clean up; the engine then ends the run.
    e.Cancel = true;
    shell.BeginStop(null, null);
};

try
{
    shell.AddCommand("Import-Module").AddParameter("Name", modulePath).AddParameter("ErrorAction", ActionPreference.Stop);
    shell.Invoke();
    shell.Commands.Clear();
    shell.AddCommand(scriptPath).AddParameters(parameters).AddCommand("Out-Default");
    shell.Invoke();
}
catch (RuntimeException e)
{
    Console.Error.WriteLine($"ERROR: {e.ErrorRecord} ({e.ErrorRecord.FullyQualifiedErrorId})");
    return 1;
}
return host.ExitCode ?? (errors > 0 ? 1 : 0);
