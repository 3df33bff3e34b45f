using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using System.Xml.Linq;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>The module as a user meets it: manifest, exported cmdlets, help, and scripts that parse.</summary>
public sealed class ModuleTests
{
    [Fact]
    public void ManifestPassesTestModuleManifest()
    {
        using var session = new EngineSession();
        var result = session.Invoke("Test-ModuleManifest -Path $args[0]", EngineSession.ModuleManifest).EnsureSuccess();
        var module = Assert.IsType<PSModuleInfo>(result.Output.Single().BaseObject);
        Assert.Equal("OpsRunbooks", module.Name);
        Assert.Equal(new Version(7, 4), module.PowerShellVersion);
        Assert.Contains("Core", module.CompatiblePSEditions);
    }

    /// <summary>Directory.Build.props sets the version once; the manifest, the module's assemblies and the runner all carry it.</summary>
    [Fact]
    public void ModuleVersionIsTheBuildVersion()
    {
        var version = new Version(XDocument.Load(RepositoryPaths.Combine("Directory.Build.props")).Descendants("Version").Single().Value);
        using var session = new EngineSession();
        var manifest = (Version)session.Invoke("(Test-ModuleManifest -Path $args[0]).Version", EngineSession.ModuleManifest)
            .EnsureSuccess().Output.Single().BaseObject;
        Assert.Equal(version, manifest);
        var assemblies = new[]
        {
            Path.Combine(EngineSession.ModuleDirectory, "OpsRunbooks.PowerShell.dll"),
            Path.Combine(EngineSession.ModuleDirectory, "dependencies", "OpsRunbooks.Core.dll"),
            RunnerTests.Runner,
        };
        foreach (var assembly in assemblies)
            Assert.Equal(version.ToString(3), AssemblyName.GetAssemblyName(assembly).Version!.ToString(3));
    }

    [Fact]
    public void ExportsExactlyTheCmdletsTheManifestNames()
    {
        using var session = new EngineSession();
        var exported = session.Invoke("(Get-Module OpsRunbooks).ExportedCmdlets.Keys").EnsureSuccess()
            .Output.Select(o => (string)o.BaseObject).Order().ToList();
        var manifest = session.Invoke("(Test-ModuleManifest -Path $args[0]).ExportedCmdlets.Keys", EngineSession.ModuleManifest).EnsureSuccess()
            .Output.Select(o => (string)o.BaseObject).Order().ToList();
        Assert.NotEmpty(exported);
        Assert.Equal(manifest, exported);
    }

    public static TheoryData<string> ExportedCmdlets()
    {
        using var session = new EngineSession();
        var data = new TheoryData<string>();
        foreach (var name in session.Invoke("(Get-Module OpsRunbooks).ExportedCmdlets.Keys").EnsureSuccess().Output)
            data.Add((string)name.BaseObject);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void EveryCmdletHasFullHelp(string cmdlet)
    {
        using var session = new EngineSession();
        const string readHelp = """
            $help = Get-Help $args[0] -Full
            "synopsis=$($help.Synopsis)"
            "description=$(($help.description | ForEach-Object Text) -join ' ')"
            foreach ($parameter in $help.parameters.parameter) { "parameter:$($parameter.name)=$(($parameter.description | ForEach-Object Text) -join ' ')" }
            foreach ($example in $help.examples.example) { "example=$($example.code)" }
            """;
        var lines = session.Invoke(readHelp, cmdlet).EnsureSuccess().Output.Select(o => (string)o.BaseObject).ToList();
        string Value(string line) => line[(line.IndexOf('=') + 1)..];

        var synopsis = Value(lines.Single(l => l.StartsWith("synopsis=", StringComparison.Ordinal)));
        Assert.True(synopsis.Length > 20 && !synopsis.StartsWith(cmdlet, StringComparison.Ordinal), $"{cmdlet} has no synopsis");
        Assert.True(Value(lines.Single(l => l.StartsWith("description=", StringComparison.Ordinal))).Length > 40, $"{cmdlet} has no description");

        var described = lines.Where(l => l.StartsWith("parameter:", StringComparison.Ordinal))
            .ToDictionary(l => l["parameter:".Length..l.IndexOf('=')], Value, StringComparer.OrdinalIgnoreCase);
        var parameters = session.Invoke("(Get-Command $args[0]).Parameters.Keys", cmdlet).EnsureSuccess().Output
            .Select(p => (string)p.BaseObject).Where(p => !Cmdlet.CommonParameters.Contains(p));
        foreach (var parameter in parameters)
            Assert.True(described.TryGetValue(parameter, out var text) && text.Length > 10, $"-{parameter} of {cmdlet} has no description in its help");

        var examples = lines.Where(l => l.StartsWith("example=", StringComparison.Ordinal)).Select(Value).ToList();
        Assert.Contains(examples, code => code.Contains(cmdlet, StringComparison.OrdinalIgnoreCase));
        foreach (var code in examples)
        {
            Parser.ParseInput(code, out _, out var errors);
            Assert.True(errors.Length == 0, $"An example of {cmdlet} does not parse: {code}");
        }
    }

    /// <summary>
    /// Get-Help -Full as a user reads it: types as they are written (int, timespan, never Nullable`1), a default
    /// on every parameter, INPUTS naming each pipeline parameter, OUTPUTS the [OutputType]s, and RELATED LINKS
    /// the other cmdlets of the same folder under Commands/ and about_OpsRunbooks.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void FullHelpShowsTypesDefaultsInputsOutputsAndLinks(string cmdlet)
    {
        using var session = new EngineSession();
        var text = (string)session.Invoke("Get-Help $args[0] -Full | Out-String -Width 200", cmdlet).EnsureSuccess().Output.Single().BaseObject;
        var lines = text.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.DoesNotContain("Nullable", text, StringComparison.Ordinal);

        var defaults = lines.Where(l => l.TrimStart().StartsWith("Default value", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(defaults);
        Assert.All(defaults, line => Assert.NotEqual("Default value", line.Trim()));
        var port = lines.FindIndex(l => l.Trim() == "-Port <int>");
        // -Port is PostgreSQL's except where the cmdlet talks to another server (SSH).
        var expectedPort = cmdlet == "Invoke-RemoteCommand" ? 22 : 5432;
        if (port >= 0)
            Assert.Equal($"Default value                {expectedPort}", lines.Skip(port).First(l => l.TrimStart().StartsWith("Default value", StringComparison.Ordinal)).Trim());

        var info = (CmdletInfo)session.Invoke("Get-Command $args[0]", cmdlet).EnsureSuccess().Output.Single().BaseObject;

        var inputs = Section(lines, "INPUTS");
        Assert.NotEmpty(inputs);
        var piped = info.Parameters.Values.Where(p => p.Attributes.OfType<ParameterAttribute>()
            .Any(a => a.ValueFromPipeline || a.ValueFromPipelineByPropertyName)).Select(p => p.Name).ToList();
        foreach (var parameter in piped)
            Assert.Contains(inputs, line => line.Contains($"-{parameter} binds it", StringComparison.Ordinal));
        if (piped.Count == 0)
            Assert.Equal("None", inputs[0]);

        var outputs = Section(lines, "OUTPUTS");
        Assert.NotEmpty(info.OutputType);
        foreach (var type in info.OutputType)
            Assert.Contains(type.Type.FullName!, outputs);

        var commands = RepositoryPaths.Combine("src", "OpsRunbooks.PowerShell", "Commands");
        string Area(CmdletInfo c) => Path.GetFileName(Path.GetDirectoryName(
            Directory.EnumerateFiles(commands, c.ImplementingType.Name + ".cs", SearchOption.AllDirectories).Single()))!;
        var sameArea = session.Invoke("Get-Command -Module OpsRunbooks").EnsureSuccess().Output.Select(o => (CmdletInfo)o.BaseObject)
            .Where(other => other.Name != cmdlet && Area(other) == Area(info)).Select(other => other.Name).Order(StringComparer.Ordinal);
        Assert.Equal([.. sameArea, "about_OpsRunbooks"], Section(lines, "RELATED LINKS"));
    }

    /// <summary>The non-blank lines under a heading of Get-Help's text, up to the next heading or example.</summary>
    private static List<string> Section(List<string> lines, string heading) =>
        lines.Skip(lines.IndexOf(heading) + 1)
            .TakeWhile(l => l.Length == 0 || (char.IsWhiteSpace(l[0]) && !l.TrimStart().StartsWith("----", StringComparison.Ordinal)))
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    [Fact]
    public void AboutTopicIsInstalled()
    {
        using var session = new EngineSession();
        var text = string.Join("\n", session.Invoke("Get-Help about_OpsRunbooks").EnsureSuccess().Output.Select(o => o.ToString()));
        Assert.Contains("environment file", text, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string> ScriptFiles()
    {
        var data = new TheoryData<string>();
        var files = new[] { "runbooks", Path.Combine("tests", "pester"), "bench" }
            .Select(d => RepositoryPaths.Combine(d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.ps*1", SearchOption.AllDirectories))
            .Append(RepositoryPaths.Combine("build.ps1"));
        foreach (var file in files) data.Add(Path.GetRelativePath(RepositoryPaths.Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ScriptFiles))]
    public void ScriptParsesWithoutErrors(string relativePath)
    {
        Parser.ParseFile(RepositoryPaths.Combine(relativePath), out _, out var errors);
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{relativePath}:{e.Extent.StartLineNumber}: {e.Message}")));
    }
}
