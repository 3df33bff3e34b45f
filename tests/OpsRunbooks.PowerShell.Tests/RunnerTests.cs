using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>The opsrunbook program as a scheduled task runs it: a separate process, exit codes, readable output.</summary>
[Collection(ServicesCollection.Name)]
public sealed class RunnerTests(ServicesFixture services) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-runner-").FullName;

    internal static string Runner => Path.Combine(
        Path.GetDirectoryName(typeof(RunnerTests).Assembly.Location)!.Replace("OpsRunbooks.PowerShell.Tests", "OpsRunbooks.Runner")
            .Replace(Path.Combine("tests", "OpsRunbooks.Runner"), Path.Combine("src", "OpsRunbooks.Runner")),
        "opsrunbook.dll");

    private Task<ProcessResult> RunAsync(string script, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [Runner, "run", script, .. arguments], new Dictionary<string, string>
        {
            ["PGHOST"] = services.Postgres.Host,
            ["PGPORT"] = services.Postgres.Port.ToString(),
            ["PGUSER"] = services.Postgres.User,
            ["PGPASSWORD"] = services.Postgres.Password,
            ["OPSRUNBOOKS_BACKUP_KEY"] = services.Keys.PublicKeyPath,
        });

    [Fact]
    public async Task RunsTheNightlyBackupOfTheLocalEnvironmentAndPrintsTheRecord()
    {
        var environments = Path.Combine(_directory, "environments");
        Directory.CreateDirectory(environments);
        // The shipped local environment, with its store redirected into this test's directory.
        File.WriteAllText(Path.Combine(environments, "local.psd1"),
            File.ReadAllText(RepositoryPaths.Combine("runbooks", "environments", "local.psd1")).Replace("'../../out/local-store'", "'store'"));

        var result = await RunAsync(RepositoryPaths.Combine("runbooks", "backup", "Invoke-NightlyBackup.ps1"),
            "-Environment", "local", "-EnvironmentPath", environments);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Contains("opsrunbooks_seed", result.Output);
        Assert.Contains("SHA-256", result.Output);
        Assert.DoesNotContain("\u001b[", result.Output);
        Assert.DoesNotContain(services.Postgres.Password, result.Output + result.Error);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(environments, "store"), "*.manifest.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AScriptThatWritesAnErrorExitsNonZero()
    {
        var script = Path.Combine(_directory, "fails.ps1");
        File.WriteAllText(script, "param($Name) Get-OpsEnvironment -Name $Name -Path $PSScriptRoot");
        var result = await RunAsync(script, "-Name", "missing");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("EnvironmentNotFound", result.Error);
    }

    [Fact]
    public async Task AScriptThatThrowsExitsNonZero()
    {
        var script = Path.Combine(_directory, "throws.ps1");
        File.WriteAllText(script, "throw 'the runbook gave up'");
        var result = await RunAsync(script);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the runbook gave up", result.Error);
    }

    [Fact]
    public async Task ASuccessfulScriptPassesItsParametersAndExitsZero()
    {
        var script = Path.Combine(_directory, "ok.ps1");
        File.WriteAllText(script, "[CmdletBinding()] param([int] $Count, [switch] $Loud) 1..$Count | ForEach-Object { \"item $_ loud=$Loud\" }");
        var result = await RunAsync(script, "-Count", "3", "-Loud");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("item 3 loud=True", result.Output);
    }

    [Fact]
    public async Task WrongUsageExitsWithTwo()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Runner, "explode"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage", result.Error);
    }

    [Theory]
    [InlineData("-Enviroment", "local")]
    [InlineData("-EnvironmentPath", ".")]
    public async Task ARunbookParameterThatDoesNotBindIsWrongUsage(string name, string value)
    {
        var result = await RunAsync(RepositoryPaths.Combine("runbooks", "backup", "Invoke-NightlyBackup.ps1"), name, value);
        Assert.True(result.ExitCode == 2, result.Error);
        Assert.Contains(name == "-Enviroment" ? "NamedParameterNotFound" : "MissingMandatoryParameter", result.Error);
    }

    [Fact]
    public async Task HelpListsTheRunbooksWithTheirSynopsisAndTheExitCodes()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Runner, "--help"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("usage: opsrunbook run [--wait-lock <time>] [--timeout <time>] <script.ps1>", result.Output);
        foreach (var script in Directory.EnumerateFiles(RepositoryPaths.Combine("runbooks"), "*.ps1", SearchOption.AllDirectories))
        {
            var relativePath = Path.GetRelativePath(RepositoryPaths.Combine("runbooks"), script);
            // _*.ps1 are pieces that runbooks dot-source, not runbooks.
            if (Path.GetFileName(script).StartsWith('_')) Assert.DoesNotContain(relativePath, result.Output);
            else Assert.Contains(relativePath, result.Output);
        }
        Assert.Contains("backup/Invoke-NightlyBackup.ps1            Backs up every database an environment lists.", result.Output);
        foreach (var code in new[] { "0 ", "1 ", "2 ", "75 ", "124", "130", "143" })
            Assert.Contains("\n  " + code, result.Output);
    }

    [Fact]
    public async Task VersionNamesTheRunnerAndItsPowerShell()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Runner, "--version"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"^opsrunbook \d+\.\d+\.\d+ \(PowerShell 7\.6\.9\)\n$", result.Output);
    }

    [Fact]
    public async Task RunbooksHaveTheCmdletsOfPwsh()
    {
        var script = Path.Combine(_directory, "pwsh-cmdlets.ps1");
        File.WriteAllText(script, """
            #Requires -Modules OpsRunbooks
            $rows = 3, 1, 2 | ForEach-Object { [pscustomobject]@{ N = $_; At = (Get-Date).Date } } | Sort-Object N | Select-Object -First 2
            $rows | ConvertTo-Json -Compress -Depth 2 | Write-Output
            Write-Warning 'only a warning'
            Test-Path -LiteralPath (Join-Path $PSScriptRoot 'pwsh-cmdlets.ps1')
            Get-Command -Module OpsRunbooks -Name New-BackupStore | Format-List Name
            """);
        var result = await RunAsync(script);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("[{\"N\":1,", result.Output);
        Assert.Contains("},{\"N\":2,", result.Output);
        Assert.Contains("True", result.Output);
        Assert.Contains("Name : New-BackupStore", result.Output);
        Assert.Contains("WARNING: only a warning", result.Error);
    }

    [Theory]
    [InlineData("exit 4", 4)]
    [InlineData("Write-Error 'reported'; exit 0", 0)]
    [InlineData("bash -c 'exit 3'", 0)]
    public async Task AScriptsOwnExitCodeIsPassedOnAsUnderPwshFile(string body, int expected)
    {
        var script = Path.Combine(_directory, "exits.ps1");
        File.WriteAllText(script, body);
        Assert.Equal(expected, (await RunAsync(script)).ExitCode);
    }

    [Fact]
    public async Task TheRunEndsWithASummaryWhoseParametersHideSecrets()
    {
        var script = Path.Combine(_directory, "summary.ps1");
        File.WriteAllText(script, """
            param([string] $Environment, [string] $ApiToken, [string] $DatabasePassword, [string] $Label, [switch] $Loud)
            1, 2
            Write-Warning 'careful'
            Write-Error 'one thing failed'
            """);
        var result = await RunAsync(script, "-Environment", "staging", "-ApiToken", "tok-123", "-DatabasePassword", "pw-456", "-Label", "two words", "-Loud");
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"opsrunbook: run [0-9a-f-]{36}: \S*summary\.ps1 -ApiToken \*{5} -DatabasePassword \*{5} -Environment staging -Label 'two words' -Loud\n", result.Error);
        Assert.Matches(@"opsrunbook: Failed \(exit code 1\) after \d\d:\d\d:\d\d\.\d, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ; 2 objects, 1 error, 1 warning\n", result.Error);
        Assert.DoesNotContain("tok-123", result.Error + result.Output);
        Assert.DoesNotContain("pw-456", result.Error + result.Output);
    }

    [Theory]
    [InlineData("--timeout", "soon")]
    [InlineData("--wait-lock", "-5m")]
    [InlineData("--retry", "5m")]
    public async Task AWrongRunnerOptionIsWrongUsage(string option, string value)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Runner, "run", option, value, "script.ps1"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(option, result.Error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
