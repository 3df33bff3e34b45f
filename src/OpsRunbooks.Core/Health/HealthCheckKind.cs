using System.Globalization;
using OpsRunbooks.Environments;

namespace OpsRunbooks.Health;

/// <summary>
/// A kind of check the environment file's Health section declares, as a list under its <see cref="Key"/>:
/// <c>Http = @( @{ Uri = '...'; MaximumLatency = '00:00:00.500' } )</c>. It names the keys an entry accepts and reads
/// an entry into a definition, checking every value then, so a bad file fails when it is read.
/// </summary>
public abstract class HealthCheckKind
{
    /// <summary>The key of the list in the Health section, and the Check of the results: Http, Tls, Postgres, Redis, Disk.</summary>
    public abstract string Key { get; }

    /// <summary>The keys one entry accepts (target, thresholds, Timeout); any other is an EnvironmentKeyUnknown error.</summary>
    public abstract IReadOnlyCollection<string> Keys { get; }

    public abstract IHealthCheckDefinition Read(SettingsTable entry);

    /// <summary>A timespan setting ('00:00:00.500', '00:05:00'), longer than zero.</summary>
    protected static TimeSpan? Duration(SettingsTable entry, string key) => entry.Text(key) is not { } text ? null
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero ? value
        : throw entry.Invalid(key, $"'{text}' is not a timespan longer than zero, written hours:minutes:seconds such as '00:00:00.500'");

    /// <summary>A number setting from <paramref name="minimum"/> to <paramref name="maximum"/>: a whole number, or text such as '12.5'.</summary>
    protected static double? Number(SettingsTable entry, string key, double minimum, double maximum) => entry.Text(key) is not { } text ? null
        : double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum ? value
        : throw entry.Invalid(key, $"'{text}' is not a number from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}");
}

/// <summary>One check an environment declares, as read from its entry; made into a check when the environment is checked.</summary>
public interface IHealthCheckDefinition
{
    /// <summary>The check; <paramref name="environment"/> supplies what the entry refers to (a DatabaseServers entry, SSH settings).</summary>
    HealthCheck Create(OpsEnvironment environment);
}

/// <summary>The kinds of check the Health section accepts; an area adds its kind at the end of the list.</summary>
public static class HealthCheckKinds
{
    public static readonly IReadOnlyList<HealthCheckKind> All =
    [
        new HttpEndpointCheckKind(),
        new TlsCertificateCheckKind(),
        new PostgresHealthCheckKind(),
        new DiskSpaceCheckKind(),
        new RedisHealthCheckKind(),
    ];
}
