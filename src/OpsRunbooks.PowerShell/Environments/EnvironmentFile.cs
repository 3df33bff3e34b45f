using System.Collections;
using System.Management.Automation.Language;
using OpsRunbooks.Environments;

namespace OpsRunbooks.PowerShell.Environments;

/// <summary>
/// Finds and reads environment files (.psd1). They are data: parsed by the PowerShell parser and
/// evaluated only as constants, never run.
/// </summary>
public static class EnvironmentFile
{
    public const string PathVariable = "OPSRUNBOOKS_ENVIRONMENT_PATH";

    /// <summary>The directory environment files are looked up in when no -Path is given.</summary>
    public static string DefaultDirectory(string currentDirectory) =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(currentDirectory, "runbooks", "environments");

    public static OpsEnvironment Load(string name, string directory)
    {
        var path = Path.GetFullPath(Path.Combine(directory, name + ".psd1"));
        if (!File.Exists(path))
        {
            var known = Directory.Exists(directory)
                ? string.Join(", ", Directory.EnumerateFiles(directory, "*.psd1").Select(Path.GetFileNameWithoutExtension).Order())
                : "";
            throw new OpsException(EnvironmentErrorIds.EnvironmentNotFound, FailureKind.NotFound,
                $"No environment file '{path}'. " + (known.Length > 0 ? $"Environments there: {known}." : $"Give -Path, or set {PathVariable} to the directory of the environment files."),
                name);
        }
        return EnvironmentDefinitionReader.Read(ReadData(path), path, name);
    }

    private static IDictionary ReadData(string path)
    {
        var ast = Parser.ParseFile(path, out _, out var errors);
        if (errors.Length > 0)
        {
            var first = errors[0];
            throw Invalid(path, $"line {first.Extent.StartLineNumber}: {first.Message}");
        }
        if (ast.EndBlock?.Statements.Count != 1 || ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) is not HashtableAst table
            || table.Parent?.Parent != ast.EndBlock.Statements[0])
            throw Invalid(path, "the file must hold exactly one hashtable @{ ... } and nothing else");
        try
        {
            return (IDictionary)table.SafeGetValue();
        }
        catch (InvalidOperationException e)
        {
            throw Invalid(path, $"it may hold only constant data (strings, numbers, @{{}} and @()), not code: {e.Message}");
        }
    }

    private static OpsException Invalid(string path, string problem) =>
        new(EnvironmentErrorIds.EnvironmentFileInvalid, FailureKind.InvalidData, $"'{path}': {problem}", path);
}
