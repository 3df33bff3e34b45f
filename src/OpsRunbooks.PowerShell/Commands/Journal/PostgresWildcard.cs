using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace OpsRunbooks.PowerShell.Commands.Journal;

/// <summary>
/// A PowerShell wildcard pattern as the PostgreSQL regular expression that matches the same whole strings, for the
/// server to filter with (~* for WildcardOptions.IgnoreCase). It reads the pattern as WildcardPattern does:
/// * any run of characters, ? one character, [...] one of a set of characters and ranges (a-z) with no negation,
/// a ] right after the [ belonging to the set, and ` making the next character literal (a ` at the end is
/// itself literal, except in the pattern "`", which matches the empty string).
/// </summary>
internal static class PostgresWildcard
{
    public static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        List<(char Character, bool IsRangeDash)>? set = null;
        var setJustOpened = false;
        var escaped = false;
        foreach (var c in pattern)
        {
            if (set is not null)
            {
                if (c == ']' && !setJustOpened && !escaped)
                {
                    AppendSet(regex, set, pattern);
                    set = null;
                }
                else if (c != '`' || escaped)
                {
                    set.Add((c, c == '-' && !escaped));
                }
                setJustOpened = false;
            }
            else if (c == '*' && !escaped) regex.Append(".*");
            else if (c == '?' && !escaped) regex.Append('.');
            else if (c == '[' && !escaped)
            {
                set = [];
                setJustOpened = true;
            }
            else if (c != '`' || escaped) AppendLiteral(regex, c);
            escaped = c == '`' && !escaped;
        }
        if (set is not null) throw Invalid(pattern);
        if (escaped && pattern != "`") AppendLiteral(regex, '`');
        return regex.Append('$').ToString();
    }

    private static void AppendSet(StringBuilder regex, List<(char Character, bool IsRangeDash)> set, string pattern)
    {
        regex.Append('[');
        for (var i = 0; i < set.Count;)
        {
            // As WildcardPattern reads a set: a dash makes a range only between two characters, and not as the set's last but one.
            if (i + 2 < set.Count && set[i + 1].IsRangeDash)
            {
                var (low, high) = (set[i].Character, set[i + 2].Character);
                if (low > high) throw Invalid(pattern);
                // A range's ends as they are: beyond ASCII, its other case is the database's to add.
                AppendEscaped(regex, low);
                regex.Append('-');
                AppendEscaped(regex, high);
                i += 3;
            }
            else
            {
                AppendLiteral(regex, set[i].Character, inSet: true);
                i++;
            }
        }
        regex.Append(']');
    }

    /// <summary>
    /// A letter beyond ASCII stands for its upper and lower case as well: ~* ignores only ASCII case in a database
    /// of the C locale, where .NET ignores every letter's.
    /// </summary>
    private static void AppendLiteral(StringBuilder regex, char c, bool inSet = false)
    {
        var cases = char.IsAscii(c) ? new[] { c } : new[] { c, char.ToLower(c, CultureInfo.CurrentCulture), char.ToUpper(c, CultureInfo.CurrentCulture) }.Distinct().ToArray();
        if (cases.Length == 1) AppendEscaped(regex, c);
        else if (inSet) regex.Append(cases);
        else regex.Append('[').Append(cases).Append(']');
    }

    /// <summary>
    /// Every ASCII character other than a letter or digit is escaped, which is literal in and out of a set; letters,
    /// digits and characters beyond ASCII are never special, and an escape before a letter or digit would be one
    /// of PostgreSQL's escape sequences.
    /// </summary>
    private static void AppendEscaped(StringBuilder regex, char c)
    {
        if (char.IsAscii(c) && !char.IsAsciiLetterOrDigit(c)) regex.Append('\\');
        regex.Append(c);
    }

    private static WildcardPatternException Invalid(string pattern) =>
        new($"The wildcard pattern '{pattern}' is not valid: a [ is not closed, or a range in [ ] runs backwards.");
}
