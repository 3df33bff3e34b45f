using System.Reflection;

namespace OpsRunbooks.HelpBuilder;

public sealed record CmdletMetadata(string Verb, string Noun, bool SupportsShouldProcess, string? DefaultParameterSet, IReadOnlyList<ParameterMetadata> Parameters)
{
    public string Name => $"{Verb}-{Noun}";

    public IEnumerable<string> ParameterSets =>
        Parameters.SelectMany(p => p.Sets.Select(s => s.Name)).Where(n => n != AllSets).Distinct().DefaultIfEmpty(AllSets);

    public const string AllSets = "__AllParameterSets";

    /// <summary>Reads the cmdlets of an assembly without running it, from their [Cmdlet] and [Parameter] attributes.</summary>
    public static IReadOnlyList<CmdletMetadata> Read(string assemblyPath, IEnumerable<string> referencePaths)
    {
        // The build's own reference list (framework reference assemblies included), one file per name.
        var resolver = new PathAssemblyResolver(referencePaths.Append(assemblyPath)
            .DistinctBy(path => Path.GetFileName(path), StringComparer.OrdinalIgnoreCase));
        using var context = new MetadataLoadContext(resolver);
        var assembly = context.LoadFromAssemblyPath(assemblyPath);
        var cmdlets = new List<CmdletMetadata>();
        foreach (var type in assembly.GetTypes())
        {
            var cmdlet = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == "CmdletAttribute");
            if (cmdlet is null || type.IsAbstract) continue;
            var verb = (string)cmdlet.ConstructorArguments[0].Value!;
            var noun = (string)cmdlet.ConstructorArguments[1].Value!;
            var shouldProcess = Named(cmdlet, "SupportsShouldProcess") is true;
            var defaultSet = Named(cmdlet, "DefaultParameterSetName") as string;
            var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(ReadParameter).OfType<ParameterMetadata>().ToList();
            cmdlets.Add(new CmdletMetadata(verb, noun, shouldProcess, defaultSet, parameters));
        }
        return cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    private static ParameterMetadata? ReadParameter(PropertyInfo property)
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
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return new ParameterMetadata(property.Name, TypeName(type), type.FullName == "System.Management.Automation.SwitchParameter", sets);
    }

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.MemberName == name).TypedValue.Value;

    private static string TypeName(Type type) => type.IsArray ? TypeName(type.GetElementType()!) + "[]" : type.Name;
}

public sealed record ParameterMetadata(string Name, string TypeName, bool IsSwitch, IReadOnlyList<ParameterSetMetadata> Sets)
{
    public ParameterSetMetadata? In(string set) =>
        Sets.FirstOrDefault(s => s.Name == set) ?? Sets.FirstOrDefault(s => s.Name == CmdletMetadata.AllSets);
}

public sealed record ParameterSetMetadata(string Name, bool Mandatory, int Position, bool FromPipeline, bool FromPipelineByPropertyName);
