using System.Text.RegularExpressions;

namespace OpsRunbooks.HelpBuilder;

/// <summary>
/// One cmdlet's help as written in module/help/&lt;Name&gt;.md: "## Synopsis", "## Description",
/// "## Parameters" with "### -Name" entries, "## Examples" with "### Title", a fenced code block and remarks,
/// and optionally "## Notes". A parameter's default value is taken from its initializer in the code, else from
/// a sentence "The default is ..." in its description. INPUTS, OUTPUTS and RELATED LINKS come from the code:
/// the pipeline parameters, [OutputType], and the other cmdlets of the same Commands/&lt;Area&gt; folder.
/// </summary>
public sealed partial record HelpSource(
    string Name,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters,
    IReadOnlyList<HelpExample> Examples,
    IReadOnlyList<string> Notes)
{
    public static HelpSource Parse(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var sections = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? current = null;
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
                sections[line[3..].Trim()] = current = [];
            else
                current?.Add(line);
        }

        string[] Section(string title) => sections.TryGetValue(title, out var lines) ? [.. lines]
            : throw new InvalidDataException($"{path}: the section '## {title}' is missing.");

        var parameters = SubSections(Section("Parameters"))
            .ToDictionary(s => s.Title.TrimStart('-'), s => Paragraphs(s.Lines), StringComparer.OrdinalIgnoreCase);
        var examples = SubSections(Section("Examples")).Select(s => ParseExample(path, s.Title, s.Lines)).ToList();
        if (examples.Count == 0) throw new InvalidDataException($"{path}: no example.");
        var synopsis = string.Join(" ", Paragraphs(Section("Synopsis")));
        return new HelpSource(name, synopsis, Paragraphs(Section("Description")), parameters, examples,
            sections.ContainsKey("Notes") ? Paragraphs(Section("Notes")) : []);
    }

    /// <summary>The default a parameter's description states in a sentence "The default is ...", if any.</summary>
    public string? StatedDefault(string parameter) =>
        Parameters.TryGetValue(parameter, out var paragraphs)
            ? paragraphs.Select(p => StatedDefaultSentence().Match(p)).FirstOrDefault(m => m.Success)?.Groups["value"].Value
            : null;

    private static IEnumerable<(string Title, string[] Lines)> SubSections(string[] lines)
    {
        string? title = null;
        var body = new List<string>();
        foreach (var line in lines)
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                if (title is not null) yield return (title, [.. body]);
                title = line[4..].Trim();
                body.Clear();
            }
            else body.Add(line);
        }
        if (title is not null) yield return (title, [.. body]);
    }

    private static HelpExample ParseExample(string path, string title, string[] lines)
    {
        var fenceStart = Array.FindIndex(lines, l => l.StartsWith("```", StringComparison.Ordinal));
        var fenceEnd = fenceStart < 0 ? -1 : Array.FindIndex(lines, fenceStart + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        if (fenceEnd < 0) throw new InvalidDataException($"{path}: example '{title}' has no fenced code block.");
        var code = string.Join("\n", lines[(fenceStart + 1)..fenceEnd]);
        return new HelpExample(title, code, Paragraphs(lines[(fenceEnd + 1)..]));
    }

    /// <summary>Blank-line separated paragraphs, each folded onto one line.</summary>
    public static IReadOnlyList<string> Paragraphs(IEnumerable<string> lines) =>
        ParagraphBreak().Split(string.Join("\n", lines).Trim())
            .Select(p => Whitespace().Replace(p, " ").Trim())
            .Where(p => p.Length > 0)
            .ToList();

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"(?:^|[.:]\s)The default is (?<value>.+?)[.:](?:\s|$)")]
    private static partial Regex StatedDefaultSentence();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

public sealed record HelpExample(string Title, string Code, IReadOnlyList<string> Remarks);
