using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

namespace OpsRunbooks.HelpBuilder;

/// <summary>
/// The values cmdlet parameters start with (their property initializers), read by creating each cmdlet once.
/// Only values a user could type are kept: numbers, non-empty strings, timespans, enums and true.
/// </summary>
public static class ParameterDefaults
{
    /// <summary>Cmdlet type full name → parameter name → default value as text.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Read(string assemblyPath, IEnumerable<string> cmdletTypeNames)
    {
        var context = new CmdletLoadContext(Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!);
        var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
        var defaults = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var typeName in cmdletTypeNames)
        {
            var type = assembly.GetType(typeName, throwOnError: true)!;
            var cmdlet = Activator.CreateInstance(type)!;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                         .Where(p => p.IsDefined(typeof(System.Management.Automation.ParameterAttribute))))
            {
                if (Format(property.GetValue(cmdlet)) is { } text) values[property.Name] = text;
            }
            (cmdlet as IDisposable)?.Dispose();
            defaults[typeName] = values;
        }
        return defaults;
    }

    private static string? Format(object? value) => value switch
    {
        null or false or "" => null,
        true => "True",
        string text => text,
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        Enum member => member.ToString(),
        IFormattable number when value.GetType().IsPrimitive || value is decimal => number.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>
    /// The cmdlet assembly and its dependencies from its build output; System.Management.Automation from
    /// this tool's own reference, as pwsh provides it to the module.
    /// </summary>
    private sealed class CmdletLoadContext(string directory) : AssemblyLoadContext("Cmdlets", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
