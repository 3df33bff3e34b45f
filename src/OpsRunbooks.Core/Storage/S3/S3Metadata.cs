using System.Text;

namespace OpsRunbooks.Storage.S3;

/// <summary>
/// Object metadata travels in HTTP headers, which must be printable ASCII: any other value is sent as an
/// RFC 2047 encoded word (<c>=?UTF-8?B?…?=</c>), the form S3 itself documents for such values.
/// </summary>
public static class S3Metadata
{
    private const string EncodedPrefix = "=?UTF-8?B?";
    private const string EncodedSuffix = "?=";

    public static string Encode(string value) =>
        value.All(c => c is >= ' ' and <= '~') && !value.StartsWith(EncodedPrefix, StringComparison.Ordinal)
            ? value
            : EncodedPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) + EncodedSuffix;

    public static string Decode(string value) =>
        value.StartsWith(EncodedPrefix, StringComparison.OrdinalIgnoreCase) && value.EndsWith(EncodedSuffix, StringComparison.Ordinal)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(value[EncodedPrefix.Length..^EncodedSuffix.Length]))
            : value;
}
