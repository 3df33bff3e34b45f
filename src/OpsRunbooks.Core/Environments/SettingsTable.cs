using System.Collections;
using System.Globalization;

namespace OpsRunbooks.Environments;

/// <summary>
/// One hashtable of an environment file at its key path ("Store", "DatabaseServers.primary"), holding only
/// the keys its area declares. Opening one that holds any other key fails with EnvironmentKeyUnknown,
/// naming the file, the key path and the nearest declared key, so a misspelled key is never silently
/// ignored. The getters check each value's shape, naming the key of a bad one, and take only declared
/// keys, so what an area reads cannot drift from what it declares. Keys are not case-sensitive.
/// </summary>
public sealed class SettingsTable
{
    private readonly IDictionary _data;
    private readonly IReadOnlyCollection<string> _keys;

    private SettingsTable(IDictionary data, string sourcePath, string path, string description, IReadOnlyCollection<string> keys)
    {
        _data = data;
        _keys = keys;
        SourcePath = sourcePath;
        Path = path;
        foreach (DictionaryEntry entry in data)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
            if (!keys.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw UnknownKey(key, description);
        }
    }

    /// <summary>The top level of an environment file, which accepts <paramref name="keys"/>.</summary>
    public static SettingsTable Open(IDictionary data, string sourcePath, IReadOnlyCollection<string> keys) =>
        new(data, sourcePath, "", "The top level of the file", keys);

    /// <summary>The environment file the table is in.</summary>
    public string SourcePath { get; }

    /// <summary>Where the table is in the file ("Store"); empty for the top level.</summary>
    public string Path { get; }

    /// <summary>The full key path of one of this table's keys, as errors name it.</summary>
    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Contains(string key) => Raw(key) is not null;

    /// <summary>A plain setting (a string or whole number) as text, with an env:NAME reference resolved now: it is not a secret.</summary>
    public string? Text(string key)
    {
        var raw = Raw(key);
        var text = raw switch
        {
            null => null,
            string s => s,
            int or long or short => Convert.ToString(raw, CultureInfo.InvariantCulture),
            _ => throw Invalid(key, $"must be a string or number, not {raw.GetType().Name}"),
        };
        return text is not null && SecretReference.IsReference(text) ? new SecretReference(text, SourcePath, KeyPath(key)).Resolve() : text;
    }

    public string RequiredText(string key) => Text(key) is { Length: > 0 } value ? value : throw Invalid(key, "is missing");

    /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>; <paramref name="meaning"/> names it in errors.</summary>
    public int? WholeNumber(string key, int minimum, int maximum, string? meaning = null)
    {
        if (Text(key) is not { } text) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw Invalid(key, $"'{text}' is not {meaning ?? $"a whole number from {minimum} to {maximum}"}");
    }

    public bool? Flag(string key) => Raw(key) switch
    {
        null => null,
        bool value => value,
        var other => throw Invalid(key, $"must be $true or $false, not '{other}'"),
    };

    /// <summary>A path, relative to the environment file's directory unless absolute; may be a reference, resolved now.</summary>
    public string? FilePath(string key) => Text(key) is { } path
        ? System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(SourcePath))!, path))
        : null;

    /// <summary>A string kept as written, to be resolved when it is used (a path or a reference to one).</summary>
    public string? Deferred(string key, string expected) => Raw(key) switch
    {
        null => null,
        string text => text,
        _ => throw Invalid(key, $"must be {expected}"),
    };

    /// <summary>A secret: only a reference such as 'env:NAME', resolved when it is used; a value written here is refused.</summary>
    public SecretReference? Secret(string key, string example) => Raw(key) switch
    {
        null => null,
        string text when SecretReference.IsReference(text) => new SecretReference(text, SourcePath, KeyPath(key)),
        _ => throw Invalid(key, $"must be a reference such as '{example}', not the secret itself"),
    };

    /// <summary>A list of non-empty strings, written @('a', 'b'); a single string is a list of one. Null when absent.</summary>
    public IReadOnlyList<string>? TextList(string key)
    {
        var items = Raw(key) switch
        {
            null => null,
            string single => [single],
            IEnumerable list and not IDictionary => list.Cast<object?>().ToArray(),
            _ => throw Invalid(key, "must be a string or a list of strings @('a', 'b')"),
        };
        if (items is null) return null;
        return items.Length > 0 && items.All(item => item is string { Length: > 0 })
            ? items.Cast<string>().ToArray()
            : throw Invalid(key, "must be a list of one or more non-empty strings @('a', 'b')");
    }

    /// <summary>Every value, as invariant text, for an area that parses its values itself.</summary>
    public IReadOnlyDictionary<string, string> AllText()
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in _data)
            values[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? "";
        return values;
    }

    /// <summary>A nested hashtable that accepts <paramref name="keys"/>; <paramref name="description"/> names it in errors.</summary>
    public SettingsTable? Table(string key, IReadOnlyCollection<string> keys, string? description = null) => Raw(key) switch
    {
        null => null,
        IDictionary table => new SettingsTable(table, SourcePath, KeyPath(key), description ?? KeyPath(key), keys),
        _ => throw Invalid(key, "must be a hashtable @{ ... }"),
    };

    /// <summary>A hashtable of hashtables by a name of the user's choosing, each accepting <paramref name="keys"/>.</summary>
    public IReadOnlyList<(string Name, SettingsTable Table)> NamedTables(string key, IReadOnlyCollection<string> keys)
    {
        if (Raw(key) is null) return [];
        var outer = Raw(key) as IDictionary ?? throw Invalid(key, "must be a hashtable @{ ... }");
        var tables = new List<(string, SettingsTable)>();
        foreach (DictionaryEntry entry in outer)
        {
            var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!;
            var path = $"{KeyPath(key)}.{name}";
            var table = entry.Value as IDictionary ?? throw InvalidAt(path, "must be a hashtable @{ ... }");
            tables.Add((name, new SettingsTable(table, SourcePath, path, path, keys)));
        }
        return tables;
    }

    /// <summary>A list @( ... ) of hashtables, each accepting <paramref name="keys"/>; a single hashtable is a list of one.</summary>
    public IReadOnlyList<SettingsTable> ListOfTables(string key, IReadOnlyCollection<string> keys)
    {
        var items = Raw(key) switch
        {
            null => [],
            IDictionary single => [single],
            IEnumerable list and not string => list.Cast<object?>().ToArray(),
            _ => throw Invalid(key, "must be a list @( ... )"),
        };
        return items.Select((item, index) => $"{KeyPath(key)}[{index}]" is var path && item is IDictionary table
                ? new SettingsTable(table, SourcePath, path, path, keys)
                : throw InvalidAt(path, "must be a hashtable @{ ... }"))
            .ToArray();
    }

    /// <summary>An EnvironmentFileInvalid error about one key of this table.</summary>
    public OpsException Invalid(string key, string problem) => InvalidAt(KeyPath(key), problem);

    /// <summary>An EnvironmentFileInvalid error about the table as a whole.</summary>
    public OpsException Invalid(string problem) => InvalidAt(Path.Length == 0 ? "The file" : Path, problem);

    private OpsException InvalidAt(string keyPath, string problem) =>
        new(EnvironmentErrorIds.EnvironmentFileInvalid, FailureKind.InvalidData, $"'{SourcePath}': {keyPath} {problem}.", SourcePath);

    private object? Raw(string key)
    {
        if (!_keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{KeyPath(key)} is read but not declared as a key of its table.");
        foreach (DictionaryEntry entry in _data)
        {
            if (string.Equals(Convert.ToString(entry.Key, CultureInfo.InvariantCulture), key, StringComparison.OrdinalIgnoreCase))
                return entry.Value;
        }
        return null;
    }

    private OpsException UnknownKey(string key, string description)
    {
        var nearest = NearestKey(key, _keys);
        return new OpsException(EnvironmentErrorIds.EnvironmentKeyUnknown, FailureKind.InvalidData,
            $"'{SourcePath}': {KeyPath(key)} is not a known key" + (nearest is null ? "" : $"; did you mean {nearest}?")
            + $" {description} accepts: {string.Join(", ", _keys)}.", SourcePath);
    }

    /// <summary>
    /// The declared key closest to <paramref name="key"/> in edit distance (insertions, deletions, substitutions
    /// and swaps of neighbours, ignoring case), when it is close enough to be a likely misspelling.
    /// </summary>
    internal static string? NearestKey(string key, IEnumerable<string> keys)
    {
        var (best, distance) = keys.Select(k => (Key: k, Distance: EditDistance(key.ToUpperInvariant(), k.ToUpperInvariant())))
            .OrderBy(c => c.Distance).FirstOrDefault();
        return best is not null && distance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
