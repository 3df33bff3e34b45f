using System.Globalization;

namespace OpsRunbooks.Runner;

/// <summary>
/// The runner's own options of "run", given before the script: --wait-lock and --timeout; what follows the
/// script belongs to it.
/// </summary>
public sealed record RunOptions(string Script, IReadOnlyList<string> ScriptArguments, TimeSpan? WaitLock, TimeSpan? Timeout)
{
    public static RunOptions Parse(IReadOnlyList<string> arguments)
    {
        TimeSpan? waitLock = null, timeout = null;
        var i = 0;
        for (; i < arguments.Count && arguments[i].StartsWith("--", StringComparison.Ordinal); i++)
        {
            var option = arguments[i];
            if (i + 1 >= arguments.Count)
                throw new ArgumentException($"{option} needs a time span, such as 90s, 10m, 2h or 01:30:00.");
            var value = ParseTimeSpan(option, arguments[++i]);
            switch (option)
            {
                case "--wait-lock": waitLock = value; break;
                case "--timeout": timeout = value; break;
                default: throw new ArgumentException($"'{option}' is not an option of run; it has --wait-lock and --timeout.");
            }
        }
        if (i >= arguments.Count) throw new ArgumentException("run needs a script.");
        if (timeout == TimeSpan.Zero) throw new ArgumentException("--timeout must be longer than 0.");
        return new RunOptions(arguments[i], [.. arguments.Skip(i + 1)], waitLock, timeout);
    }

    /// <summary>A number with a unit (90s, 10m, 2h, 1d) or a .NET time span (01:30:00, 1.00:00:00).</summary>
    public static TimeSpan ParseTimeSpan(string option, string text)
    {
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? span = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (span is { } parsed) return parsed;
        }
        if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var timeSpan) && timeSpan >= TimeSpan.Zero)
            return timeSpan;
        throw new ArgumentException($"{option} '{text}' is not a time span; give a number with s, m, h or d (90s, 10m, 2h) or hh:mm:ss.");
    }
}
