using System.Globalization;
using System.Text;

namespace OpsRunbooks.PostgresOperations;

/// <summary>
/// The host and port of a standby's primary_conninfo (libpq's keyword = value form). Only those two are kept: the
/// rest, its password included, is read past and never stored.
/// </summary>
public static class PrimaryConnectionInfo
{
    public const int DefaultPort = 5432;

    /// <summary>The first host (hostaddr when there is no host) and its port; null when the string names no host.</summary>
    public static (string Host, int Port)? Parse(string? conninfo)
    {
        if (string.IsNullOrWhiteSpace(conninfo)) return null;
        string? host = null, hostAddress = null, port = null;
        foreach (var (key, value) in Pairs(conninfo))
        {
            switch (key)
            {
                case "host": host = value; break;
                case "hostaddr": hostAddress = value; break;
                case "port": port = value; break;
            }
        }
        // A list (host=a,b port=1,2) names the servers tried in turn: the first is the primary it normally follows.
        var first = (host ?? hostAddress)?.Split(',')[0].Trim();
        if (string.IsNullOrEmpty(first) || first.StartsWith('/')) return null;
        var firstPort = port?.Split(',')[0].Trim();
        return (first, int.TryParse(firstPort, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : DefaultPort);
    }

    private static IEnumerable<(string Key, string Value)> Pairs(string text)
    {
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) yield break;
            var keyStart = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i])) i++;
            var key = text[keyStart..i];
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length || text[i] != '=') yield break;
            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                while (i < text.Length && text[i] != '\'')
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    value.Append(text[i++]);
                }
                i++;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    value.Append(text[i++]);
                }
            }
            yield return (key, value.ToString());
        }
    }
}
