using System.Text.RegularExpressions;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// The env.sh that ./build.sh demo leaves for new shells (tools/demo/write-env.sh), written from a
/// server's connection.env without running the demo itself.
/// </summary>
public sealed class DemoTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-demo-").FullName;

    [Fact]
    public async Task TheEnvFileSetsEveryVariableTheLocalEnvironmentReferencesAndIsPrivate()
    {
        var demo = Directory.CreateDirectory(Path.Combine(_directory, "demo")).FullName;
        var server = Directory.CreateDirectory(Path.Combine(_directory, "server")).FullName;
        var runner = Path.Combine(_directory, "opsrunbook.dll");
        File.WriteAllText(runner, "");
        const string password = "pa ss$'\"`word";
        File.WriteAllText(Path.Combine(server, "connection.env"),
            $"PGHOST=127.0.0.1\nPGPORT=54329\nPGUSER=opsadmin\nPGPASSWORD={password}\nPGDATABASE=opsrunbooks_seed\nPGDATA={server}/data\n");

        (await ProcessRunner.RunAsync("bash", [RepositoryPaths.Combine("tools", "demo", "write-env.sh"), demo, server, runner]))
            .EnsureSuccess("write-env.sh");
        var envFile = Path.Combine(demo, "env.sh");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(envFile));

        var sourced = (await ProcessRunner.RunAsync("env", ["-i", "bash", "--noprofile", "--norc", "-c", "source \"$1\" && env -0", "env.sh", envFile]))
            .EnsureSuccess("source env.sh");
        var variables = sourced.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);

        var localFile = File.ReadAllText(RepositoryPaths.Combine("runbooks", "environments", "local.psd1"));
        var referenced = Regex.Matches(localFile, @"'env:(\w+)'").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Contains("PGPASSWORD", referenced);
        Assert.All(referenced, name => Assert.True(variables.TryGetValue(name, out var value) && value.Length > 0, $"env.sh does not set {name}, which local.psd1 refers to"));
        Assert.Equal(password, variables["PGPASSWORD"]);
        Assert.Equal(Path.Combine(demo, "backup.sec.asc"), variables["OPSRUNBOOKS_BACKUP_SECRET_KEY"]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
