using System.Management.Automation.Language;

namespace OpsRunbooks.Runner;

/// <summary>
/// The runbook scripts of a runbooks folder, each with the synopsis of its comment-based help. A script named
/// _*.ps1 is not a runbook but a piece that runbooks beside it dot-source, and is left out.
/// </summary>
public static class RunbookCatalog
{
    public static IReadOnlyList<(string RelativePath, string Synopsis)> List(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*.ps1", SearchOption.AllDirectories)
            .Where(IsRunbook)
            .Select(path => (Path.GetRelativePath(folder, path).Replace('\\', '/'), Synopsis(path)))
            .OrderBy(runbook => runbook.Item1, StringComparer.Ordinal)];

    private static bool IsRunbook(string path) => !Path.GetFileName(path).StartsWith('_');

    private static string Synopsis(string path)
    {
        // Parsing runs nothing; a script that does not parse is listed without a synopsis.
        var script = Parser.ParseFile(path, out _, out _);
        var synopsis = script.GetHelpContent()?.Synopsis;
        return string.IsNullOrWhiteSpace(synopsis) ? "" : string.Join(' ', synopsis.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
