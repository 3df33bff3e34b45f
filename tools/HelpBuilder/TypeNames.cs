namespace OpsRunbooks.HelpBuilder;

/// <summary>Type names as a PowerShell user writes them: accelerators (int, timespan, switch), T for Nullable&lt;T&gt;.</summary>
public static class TypeNames
{
    private static readonly Dictionary<string, string> Accelerators = new(StringComparer.Ordinal)
    {
        ["System.Boolean"] = "bool",
        ["System.Byte"] = "byte",
        ["System.Char"] = "char",
        ["System.DateTime"] = "datetime",
        ["System.DateTimeOffset"] = "datetimeoffset",
        ["System.Decimal"] = "decimal",
        ["System.Double"] = "double",
        ["System.Guid"] = "guid",
        ["System.Int16"] = "short",
        ["System.Int32"] = "int",
        ["System.Int64"] = "long",
        ["System.Object"] = "Object",
        ["System.Single"] = "float",
        ["System.String"] = "string",
        ["System.TimeSpan"] = "timespan",
        ["System.Uri"] = "uri",
        ["System.Version"] = "version",
        ["System.Collections.Hashtable"] = "hashtable",
        ["System.Net.IPAddress"] = "ipaddress",
        ["System.Security.SecureString"] = "securestring",
        ["System.Management.Automation.PSCredential"] = "pscredential",
        ["System.Management.Automation.PSObject"] = "psobject",
        ["System.Management.Automation.ScriptBlock"] = "scriptblock",
        ["System.Management.Automation.SwitchParameter"] = "switch",
    };

    /// <summary>
    /// The name of a type; other types than the accelerators by their short name in syntax (full: false),
    /// by their full name where a user looks them up (full: true, INPUTS and OUTPUTS).
    /// </summary>
    public static string Display(Type type, bool full)
    {
        if (type.IsArray) return Display(type.GetElementType()!, full) + "[]";
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1")
            return Display(type.GetGenericArguments()[0], full);
        if (type.FullName is { } fullName && Accelerators.TryGetValue(fullName, out var accelerator)) return accelerator;
        var name = full ? type.FullName ?? type.Name : type.Name;
        if (!type.IsGenericType) return name;
        var arguments = string.Join(",", type.GetGenericArguments().Select(a => Display(a, full)));
        return $"{name[..name.IndexOf('`')]}[{arguments}]";
    }
}
