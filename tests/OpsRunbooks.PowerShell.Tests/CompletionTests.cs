using System.Management.Automation;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// Tab completion as a user meets it: environment names from the files a name is looked up in at run time,
/// database names from the environment on the same command line. In the services collection, whose other
/// tests also set OPSRUNBOOKS_ENVIRONMENT_PATH.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class CompletionTests : IDisposable
{
    private readonly TestEnvironment _staging;
    private readonly EngineSession _session = new();

    public CompletionTests(ServicesFixture services)
    {
        _staging = new TestEnvironment(services, name: "staging", databases: ["app", "billing", "app archive"]);
        File.Copy(Path.Combine(_staging.Directory, "staging.psd1"), Path.Combine(_staging.Directory, "stage-two.psd1"));
    }

    /// <summary>The completion texts TabExpansion2 offers at the end of a command line.</summary>
    private List<string> Complete(string line) =>
        _session.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches | ForEach-Object CompletionText", line)
            .EnsureSuccess().Output.Select(o => (string)o.BaseObject).ToList();

    /// <summary>The exported cmdlets that have all the given parameters.</summary>
    private List<string> CmdletsWith(params string[] parameters) =>
        _session.Invoke("Get-Command -Module OpsRunbooks").EnsureSuccess().Output.Select(o => (CmdletInfo)o.BaseObject)
            .Where(c => parameters.All(c.Parameters.ContainsKey)).Select(c => c.Name).ToList();

    private void WithEnvironmentPath(string? directory, Action test)
    {
        Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", directory);
        try
        {
            test();
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPSRUNBOOKS_ENVIRONMENT_PATH", null);
        }
    }

    [Fact]
    public void EnvironmentCompletesTheEnvironmentNamesOfEveryCmdletThatTakesOne()
    {
        var cmdlets = CmdletsWith("Environment");
        Assert.Contains("Invoke-DatabaseBackup", cmdlets);
        WithEnvironmentPath(_staging.Directory, () =>
        {
            foreach (var cmdlet in cmdlets)
            {
                Assert.Equal(["stage-two", "staging"], Complete($"{cmdlet} -Environment sta"));
                Assert.Equal(["staging"], Complete($"{cmdlet} -Environment stag*g"));
            }
        });
    }

    [Fact]
    public void EnvironmentNamesComeFromRunbooksEnvironmentsOfTheCurrentLocationByDefault()
    {
        using var session = new EngineSession(RepositoryPaths.Root);
        var names = session.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches | ForEach-Object CompletionText",
            "Get-DatabaseBackup -Environment ").EnsureSuccess().Output.Select(o => (string)o.BaseObject).ToList();
        var files = Directory.EnumerateFiles(RepositoryPaths.Combine("runbooks", "environments"), "*.psd1")
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Contains("local", names);
        Assert.Equal(files, names);
    }

    [Fact]
    public void GetOpsEnvironmentNameCompletesFromItsPath()
    {
        Assert.Equal(["staging"], Complete($"Get-OpsEnvironment -Path '{_staging.Directory}' -Name stagi"));
        Assert.Equal(["stage-two", "staging"], Complete($"Get-OpsEnvironment -Path '{_staging.Directory}' st"));
    }

    [Fact]
    public void DatabaseCompletesTheDatabasesOfTheEnvironmentOnTheSameLine()
    {
        var cmdlets = CmdletsWith("Environment", "Database");
        Assert.Contains("Test-BackupIntegrity", cmdlets);
        WithEnvironmentPath(_staging.Directory, () =>
        {
            foreach (var cmdlet in cmdlets)
            {
                Assert.Equal(["app", "'app archive'"], Complete($"{cmdlet} -Environment staging -Database ap"));
                Assert.Equal(["billing"], Complete($"{cmdlet} -Environment staging -Database app, b"));
                Assert.Empty(Complete($"{cmdlet} -Environment nosuchenvironment -Database ap"));
            }
        });
        _session.Invoke("$staging = Get-OpsEnvironment staging -Path $args[0]", _staging.Directory).EnsureSuccess();
        foreach (var cmdlet in cmdlets)
            Assert.Equal(["app", "'app archive'", "billing"], Complete($"{cmdlet} -Environment $staging -Database "));
    }

    public void Dispose()
    {
        _session.Dispose();
        _staging.Dispose();
    }
}
