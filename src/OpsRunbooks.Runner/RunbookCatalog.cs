using System.Management.Automation.Language;

namespace OpsRunbooks.Runner;

/// <summary>The runbook scripts of a runbooks folder, each with the synopsis of its comment-based help.</summary>
public static class RunbookCatalog
{
    public static IReadOnlyList<(string RelativePath, string Synopsis)> List(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*.ps1", SearchOption.AllDirectories)
            .Select(path => (Path.GetRelativePath(folder, path).Replace('\\', '/'), Synopsis(path)))
            .OrderBy(runbook => runbook.Item1, StringComparer.Ordinal)];

    private static string Synopsis(string path)
    {
        // Parsing runs nothing; a script that does not parse is listed without a synopsis.
        var script = Parser.ParseFile(path, out _, out _);
        var synopsis = script.GetHelpContent()?.Synopsis;
        return string.IsNullOrWhiteSpace(synopsis) ? "" : string.Join(' ', synopsis.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
