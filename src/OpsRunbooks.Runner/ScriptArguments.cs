using System.Collections;

namespace OpsRunbooks.Runner;

/// <summary>
/// Turns "-Name value -Switch -Other:value" from the command line into named script parameters; the
/// engine converts each string to the parameter's type when it binds.
/// </summary>
public static class ScriptArguments
{
    public static Hashtable Parse(IReadOnlyList<string> arguments)
    {
        var parameters = new Hashtable(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (!argument.StartsWith('-') || argument.Length < 2)
                throw new ArgumentException($"'{argument}' is not a parameter name; script parameters are given as -Name value.");
            var name = argument[1..];
            var colon = name.IndexOf(':');
            if (colon >= 0)
            {
                parameters[name[..colon]] = ParseValue(name[(colon + 1)..]);
            }
            else if (i + 1 < arguments.Count && !arguments[i + 1].StartsWith('-'))
            {
                parameters[name] = arguments[++i];
            }
            else
            {
                parameters[name] = true;
            }
        }
        return parameters;
    }

    private static object ParseValue(string value) => value.ToLowerInvariant() switch
    {
        "$true" or "true" => true,
        "$false" or "false" => false,
        _ => value,
    };
}
