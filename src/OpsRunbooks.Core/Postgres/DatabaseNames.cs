using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OpsRunbooks.Postgres;

/// <summary>What a database the module makes for itself is made of, told apart from any other by its name.</summary>
public enum GeneratedDatabaseKind
{
    /// <summary>opsrunbooks_verify_&lt;database&gt;_&lt;time&gt;_&lt;random&gt;: a restore test's scratch database.</summary>
    Scratch,

    /// <summary>&lt;target&gt;_restoring_&lt;time&gt;_&lt;random&gt;: a restore beside an existing database, before the swap.</summary>
    Restoring,

    /// <summary>&lt;target&gt;_replaced_&lt;time&gt;_&lt;random&gt;: the existing database during the swap, dropped after it.</summary>
    Replaced,
}

/// <summary>A database name the module generated, read back: what it is for, whose it is and when it was made.</summary>
public sealed record GeneratedDatabaseName(string Name, GeneratedDatabaseKind Kind, string Source, DateTime CreatedUtc);

/// <summary>
/// Database names: PostgreSQL keeps at most 63 bytes of a name (and cuts longer ones silently), so names
/// given are checked and the names the module makes fit: their source part is shortened on a UTF-8
/// character boundary, never their marker, time or random part, so they can always be recognised.
/// </summary>
public static partial class DatabaseNames
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1.</summary>
    public const int MaximumBytes = 63;

    public const string ScratchPrefix = "opsrunbooks_verify_";
    private const string RestoringMarker = "_restoring";
    private const string ReplacedMarker = "_replaced";
    private const string TimeFormat = "yyyyMMddHHmmss";

    /// <summary>Fails with DatabaseNameTooLong when PostgreSQL would cut <paramref name="name"/>.</summary>
    public static void EnsureFits(string name, string what)
    {
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaximumBytes)
        {
            throw new OpsException(PostgresErrorIds.DatabaseNameTooLong, FailureKind.InvalidArgument,
                $"The {what} '{name}' is {bytes} bytes long in UTF-8; PostgreSQL keeps only {MaximumBytes} and would cut it. Nothing was changed; give a shorter name.",
                name);
        }
    }

    public static string Scratch(string database, DateTime utcNow) => Compose(ScratchPrefix, database, "", utcNow);

    public static string Restoring(string target, DateTime utcNow) => Compose("", target, RestoringMarker, utcNow);

    public static string Replaced(string target, DateTime utcNow) => Compose("", target, ReplacedMarker, utcNow);

    /// <summary>The name read back when it is exactly one the module makes, else null.</summary>
    public static GeneratedDatabaseName? Parse(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) > MaximumBytes) return null;
        foreach (var (pattern, kind) in new[] { (ScratchPattern(), GeneratedDatabaseKind.Scratch), (RestoringPattern(), GeneratedDatabaseKind.Restoring), (ReplacedPattern(), GeneratedDatabaseKind.Replaced) })
        {
            var match = pattern.Match(name);
            if (match.Success && DateTime.TryParseExact(match.Groups["time"].Value, TimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created))
                return new GeneratedDatabaseName(name, kind, match.Groups["source"].Value, created);
        }
        return null;
    }

    /// <summary>The longest start of <paramref name="text"/> of at most <paramref name="maximumBytes"/> UTF-8 bytes that ends on a character boundary.</summary>
    public static string TruncateUtf8(string text, int maximumBytes)
    {
        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maximumBytes) break;
            bytes += rune.Utf8SequenceLength;
            builder.Append(rune.ToString());
        }
        return builder.ToString();
    }

    private static string Compose(string prefix, string source, string marker, DateTime utcNow)
    {
        var random = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var suffix = string.Create(CultureInfo.InvariantCulture, $"{marker}_{utcNow.ToString(TimeFormat, CultureInfo.InvariantCulture)}_{random}");
        var room = MaximumBytes - Encoding.UTF8.GetByteCount(prefix) - Encoding.UTF8.GetByteCount(suffix);
        return prefix + TruncateUtf8(source, room) + suffix;
    }

    [GeneratedRegex(@"\Aopsrunbooks_verify_(?<source>.*)_(?<time>\d{14})_[0-9a-f]{6}\z", RegexOptions.Singleline)]
    private static partial Regex ScratchPattern();

    [GeneratedRegex(@"\A(?<source>.+)_restoring_(?<time>\d{14})_[0-9a-f]{6}\z", RegexOptions.Singleline)]
    private static partial Regex RestoringPattern();

    [GeneratedRegex(@"\A(?<source>.+)_replaced_(?<time>\d{14})_[0-9a-f]{6}\z", RegexOptions.Singleline)]
    private static partial Regex ReplacedPattern();
}
