using System.Xml.Linq;

namespace OpsRunbooks.HelpBuilder;

/// <summary>Writes the MAML help file Get-Help reads for compiled cmdlets.</summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private static readonly Dictionary<string, string> ShouldProcessParameters = new()
    {
        ["WhatIf"] = "Shows what would happen if the cmdlet runs. The cmdlet is not run and nothing is changed.",
        ["Confirm"] = "Prompts you for confirmation before running the cmdlet.",
    };

    /// <summary>The topic every cmdlet's help links to.</summary>
    public const string AboutTopic = "about_OpsRunbooks";

    public static XDocument Write(IReadOnlyList<(CmdletMetadata Cmdlet, HelpSource Help)> commands) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
                commands.Select(c => CommandElement(c.Cmdlet, c.Help, RelatedCmdlets(c.Cmdlet, commands.Select(o => o.Cmdlet))))));

    /// <summary>The other cmdlets of the same area (folder under Commands/).</summary>
    private static IEnumerable<string> RelatedCmdlets(CmdletMetadata cmdlet, IEnumerable<CmdletMetadata> all) =>
        all.Where(other => other.Area == cmdlet.Area && other.Name != cmdlet.Name).Select(other => other.Name);

    /// <summary>Every parameter the cmdlet has that needs a description in its help.</summary>
    public static IEnumerable<string> DocumentedParameterNames(CmdletMetadata cmdlet) =>
        cmdlet.Parameters.Select(p => p.Name).Concat(cmdlet.SupportsShouldProcess ? ShouldProcessParameters.Keys : []);

    private static XElement CommandElement(CmdletMetadata cmdlet, HelpSource help, IEnumerable<string> related) =>
        new(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                Description(Maml + "description", [help.Synopsis]),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun)),
            Description(Maml + "description", help.Description),
            new XElement(Command + "syntax", cmdlet.ParameterSets.Select(set => SyntaxItem(cmdlet, set))),
            new XElement(Command + "parameters",
                cmdlet.Parameters.Select(p => ParameterElement(p, p.Sets[0], help.Parameters[p.Name], p.DefaultValue ?? help.StatedDefault(p.Name)))
                    .Concat(cmdlet.SupportsShouldProcess ? ShouldProcessParameters.Select(s => SwitchElement(s.Key, s.Value)) : [])),
            InputTypes(cmdlet),
            new XElement(Command + "returnValues", cmdlet.OutputTypes.Select(type =>
                new XElement(Command + "returnValue", TypeElement(type)))),
            new XElement(Command + "examples", help.Examples.Select((example, index) =>
                new XElement(Command + "example",
                    new XElement(Maml + "title", $"-------------------------- Example {index + 1}: {example.Title} --------------------------"),
                    new XElement(Dev + "code", example.Code),
                    Description(Dev + "remarks", example.Remarks)))),
            help.Notes.Count == 0 ? null : new XElement(Maml + "alertSet", new XElement(Maml + "alert", help.Notes.Select(Para))),
            new XElement(Maml + "relatedLinks", related.Append(AboutTopic).Select(link =>
                new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", link), new XElement(Maml + "uri")))));

    /// <summary>
    /// What can be piped in: each parameter type that binds from the pipeline, with the parameters it binds
    /// to and how (by value: the object itself; by property name: a property of that name).
    /// </summary>
    private static XElement InputTypes(CmdletMetadata cmdlet)
    {
        var bound = cmdlet.Parameters
            .Select(p => (Parameter: p, ByValue: p.Sets.Any(s => s.FromPipeline), ByPropertyName: p.Sets.Any(s => s.FromPipelineByPropertyName)))
            .Where(b => b.ByValue || b.ByPropertyName)
            .GroupBy(b => b.Parameter.FullTypeName)
            .ToList();
        if (bound.Count == 0)
            return new XElement(Command + "inputTypes", new XElement(Command + "inputType",
                TypeElement("None"), Description(Maml + "description", [$"You cannot pipe objects to {cmdlet.Name}."])));
        return new XElement(Command + "inputTypes", bound.Select(type =>
            new XElement(Command + "inputType", TypeElement(type.Key), Description(Maml + "description", type.Select(b =>
                $"-{b.Parameter.Name} binds it " + (b.ByValue, b.ByPropertyName) switch
                {
                    (true, true) => $"by value, or from a property named {b.Parameter.Name}.",
                    (true, false) => "by value.",
                    _ => $"from a property named {b.Parameter.Name}.",
                })))));
    }

    private static XElement TypeElement(string name) => new(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

    private static XElement SyntaxItem(CmdletMetadata cmdlet, string set) =>
        new(Command + "syntaxItem",
            new XElement(Maml + "name", cmdlet.Name),
            cmdlet.Parameters.Where(p => p.In(set) is not null)
                .OrderBy(p => p.In(set)!.Position is var position && position >= 0 ? position : int.MaxValue)
                .Select(p => ParameterElement(p, p.In(set)!, null, null)),
            cmdlet.SupportsShouldProcess ? ShouldProcessParameters.Select(s => SwitchElement(s.Key, null)) : null);

    /// <summary>A parameter in syntax (no description) or in the parameters section.</summary>
    private static XElement ParameterElement(ParameterMetadata parameter, ParameterSetMetadata set, IReadOnlyList<string>? description, string? defaultValue) =>
        new(Command + "parameter",
            new XAttribute("required", set.Mandatory ? "true" : "false"),
            new XAttribute("globbing", "false"),
            new XAttribute("pipelineInput", PipelineInput(set)),
            new XAttribute("position", set.Position >= 0 ? (set.Position + 1).ToString() : "named"),
            new XElement(Maml + "name", parameter.Name),
            description is null ? null : Description(Maml + "description", description),
            // A switch takes no value in syntax ([-PassThru]); its entry says it is one ([<switch>]).
            parameter.IsSwitch
                ? description is null ? null : new XElement(Command + "parameterValue", new XAttribute("required", "false"), parameter.TypeName)
                : new XElement(Command + "parameterValue", new XAttribute("required", "true"), parameter.TypeName),
            description is null ? null : new XElement(Dev + "type", new XElement(Maml + "name", parameter.TypeName)),
            description is null ? null : new XElement(Dev + "defaultValue", defaultValue ?? (parameter.IsSwitch ? "False" : "None")));

    private static XElement SwitchElement(string name, string? description) =>
        new(Command + "parameter",
            new XAttribute("required", "false"), new XAttribute("globbing", "false"),
            new XAttribute("pipelineInput", "False"), new XAttribute("position", "named"),
            new XElement(Maml + "name", name),
            description is null ? null : Description(Maml + "description", [description]),
            description is null ? null : new XElement(Command + "parameterValue", new XAttribute("required", "false"), "switch"),
            description is null ? null : new XElement(Dev + "type", new XElement(Maml + "name", "switch")),
            description is null ? null : new XElement(Dev + "defaultValue", "False"));

    private static string PipelineInput(ParameterSetMetadata set) => (set.FromPipeline, set.FromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };

    private static XElement Description(XName name, IEnumerable<string> paragraphs) => new(name, paragraphs.Select(Para));

    private static XElement Para(string text) => new(Maml + "para", text);
}
