using System.Collections.ObjectModel;
using System.Reflection;

namespace OpsRunbooks.HelpBuilder;

/// <param name="Area">The folder of the cmdlet under Commands/, from its namespace (OpsRunbooks.PowerShell.Commands.&lt;Area&gt;).</param>
/// <param name="OutputTypes">The full names of the types its [OutputType] attributes name.</param>
public sealed record CmdletMetadata(
    string Verb, string Noun, string Area, bool SupportsShouldProcess, string? DefaultParameterSet,
    IReadOnlyList<string> OutputTypes, IReadOnlyList<ParameterMetadata> Parameters)
{
    public string Name => $"{Verb}-{Noun}";

    public IEnumerable<string> ParameterSets =>
        Parameters.SelectMany(p => p.Sets.Select(s => s.Name)).Where(n => n != AllSets).Distinct().DefaultIfEmpty(AllSets);

    public const string AllSets = "__AllParameterSets";

    /// <summary>
    /// Reads the cmdlets of an assembly without running it, from their [Cmdlet], [OutputType] and [Parameter]
    /// attributes; the parameters' initial values come from <paramref name="defaults"/>.
    /// </summary>
    public static IReadOnlyList<CmdletMetadata> Read(string assemblyPath, IEnumerable<string> referencePaths,
        Func<IEnumerable<string>, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> defaults)
    {
        // The build's own reference list (framework reference assemblies included), one file per name.
        var resolver = new PathAssemblyResolver(referencePaths.Append(assemblyPath)
            .DistinctBy(path => Path.GetFileName(path), StringComparer.OrdinalIgnoreCase));
        using var context = new MetadataLoadContext(resolver);
        var assembly = context.LoadFromAssemblyPath(assemblyPath);
        var types = assembly.GetTypes()
            .Select(type => (Type: type, Cmdlet: type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == "CmdletAttribute")))
            .Where(t => t.Cmdlet is not null && !t.Type.IsAbstract)
            .ToList();
        var initialValues = defaults(types.Select(t => t.Type.FullName!));
        var cmdlets = new List<CmdletMetadata>();
        foreach (var (type, cmdlet) in types)
        {
            var verb = (string)cmdlet!.ConstructorArguments[0].Value!;
            var noun = (string)cmdlet.ConstructorArguments[1].Value!;
            var shouldProcess = Named(cmdlet, "SupportsShouldProcess") is true;
            var defaultSet = Named(cmdlet, "DefaultParameterSetName") as string;
            var area = type.Namespace is { } ns && ns.Contains(".Commands.", StringComparison.Ordinal)
                ? ns[(ns.LastIndexOf(".Commands.", StringComparison.Ordinal) + ".Commands.".Length)..]
                : throw new InvalidDataException($"{type.FullName}: a cmdlet's namespace ends in .Commands.<Area>, the folder it is in.");
            var values = initialValues[type.FullName!];
            var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => ReadParameter(p, values.GetValueOrDefault(p.Name))).OfType<ParameterMetadata>().ToList();
            cmdlets.Add(new CmdletMetadata(verb, noun, area, shouldProcess, defaultSet, ReadOutputTypes(type), parameters));
        }
        return cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    private static List<string> ReadOutputTypes(Type type) =>
        type.GetCustomAttributesData().Where(a => a.AttributeType.Name == "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(argument => argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : [argument.Value])
            .Select(value => value is Type t ? TypeNames.Display(t, full: true) : (string)value!)
            .Distinct()
            .ToList();

    private static ParameterMetadata? ReadParameter(PropertyInfo property, string? defaultValue)
    {
        var sets = property.GetCustomAttributesData().Where(a => a.AttributeType.Name == "ParameterAttribute")
            .Select(a => new ParameterSetMetadata(
                Named(a, "ParameterSetName") as string ?? AllSets,
                Named(a, "Mandatory") is true,
                Named(a, "Position") is int position ? position : int.MinValue,
                Named(a, "ValueFromPipeline") is true,
                Named(a, "ValueFromPipelineByPropertyName") is true))
            .ToList();
        if (sets.Count == 0) return null;
        var type = property.PropertyType;
        return new ParameterMetadata(property.Name, TypeNames.Display(type, full: false), TypeNames.Display(type, full: true),
            type.FullName == "System.Management.Automation.SwitchParameter", defaultValue, sets);
    }

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name).TypedValue.Value;
}

/// <param name="TypeName">The type as syntax shows it (int, string[], OpsEnvironment).</param>
/// <param name="FullTypeName">The type as INPUTS shows it (int, string[], OpsRunbooks.Environments.OpsEnvironment).</param>
/// <param name="DefaultValue">The value the parameter has when it is not given, if its initializer sets one.</param>
public sealed record ParameterMetadata(string Name, string TypeName, string FullTypeName, bool IsSwitch, string? DefaultValue,
    IReadOnlyList<ParameterSetMetadata> Sets)
{
    public ParameterSetMetadata? In(string set) =>
        Sets.FirstOrDefault(s => s.Name == set) ?? Sets.FirstOrDefault(s => s.Name == CmdletMetadata.AllSets);
}

public sealed record ParameterSetMetadata(string Name, bool Mandatory, int Position, bool FromPipeline, bool FromPipelineByPropertyName);
