using System.Collections;
using System.Globalization;

namespace OpsRunbooks.Journal;

/// <summary>
/// The key figures of an operation (bytes, counts, durations, replicas before and after), by name in the order
/// they were added, which is the order the log shows them in. Values are whole numbers, decimals, text or flags;
/// a TimeSpan is kept as seconds, so a duration's name should end in "Seconds".
/// </summary>
public sealed class OperationFigures : IReadOnlyDictionary<string, object>
{
    private readonly List<KeyValuePair<string, object>> _figures = [];

    public object this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);
        set => Set(key, value);
    }

    /// <summary>Adds a figure (collection initializers use this); a second figure of the same name replaces the first.</summary>
    public void Add(string name, object value) => Set(name, value);

    private void Set(string name, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var normalized = Normalize(value);
        var index = _figures.FindIndex(f => string.Equals(f.Key, name, StringComparison.Ordinal));
        if (index >= 0) _figures[index] = new(name, normalized);
        else _figures.Add(new(name, normalized));
    }

    private static object Normalize(object value) => value switch
    {
        long or double or string or bool => value,
        int or short or byte or uint or ushort or sbyte => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong big => big <= long.MaxValue ? (long)big : (double)big,
        float or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        TimeSpan duration => Math.Round(duration.TotalSeconds, 3),
        DateTime time => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        Enum named => named.ToString(),
        null => throw new ArgumentNullException(nameof(value)),
        _ => throw new ArgumentException($"A figure is a number, text, flag or duration, not a {value.GetType().Name}.", nameof(value)),
    };

    public int Count => _figures.Count;
    public IEnumerable<string> Keys => _figures.Select(f => f.Key);
    public IEnumerable<object> Values => _figures.Select(f => f.Value);
    public bool ContainsKey(string key) => _figures.Exists(f => string.Equals(f.Key, key, StringComparison.Ordinal));

    public bool TryGetValue(string key, out object value)
    {
        var index = _figures.FindIndex(f => string.Equals(f.Key, key, StringComparison.Ordinal));
        value = index >= 0 ? _figures[index].Value : null!;
        return index >= 0;
    }

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _figures.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>"Bytes=1024, Tables=12", as the log's table view shows them.</summary>
    public override string ToString() =>
        string.Join(", ", _figures.Select(f => $"{f.Key}={Convert.ToString(f.Value, CultureInfo.InvariantCulture)}"));
}
