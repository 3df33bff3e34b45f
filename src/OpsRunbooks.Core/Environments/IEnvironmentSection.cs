namespace OpsRunbooks.Environments;

/// <summary>
/// An area's section of an environment file: <c>&lt;Key&gt; = @{ ... }</c> at the top level, holding only the
/// keys the area declares, read into the area's own settings object when the file is read.
/// </summary>
/// <remarks>
/// To give an area (Scaling, Health, PostgresOperations, Journal, ...) its settings:
/// <list type="number">
/// <item>write a class implementing this interface in the area's Core folder, e.g.
/// <c>Scaling/ScalingEnvironmentSection.cs</c>: its <see cref="Key"/> ("Scaling"), the keys it accepts, and a
/// <see cref="Read"/> that turns them into an immutable settings object, checking each value through the
/// <see cref="SettingsTable"/> getters (nested tables declare their own keys the same way), and whose ToString
/// sums the settings up in one line, as Get-OpsEnvironment shows them (a secret stays a <see cref="SecretReference"/>,
/// read with <see cref="SettingsTable.Secret"/> and resolved only when used);</item>
/// <item>add an instance to <see cref="EnvironmentSections.All"/>;</item>
/// <item>read it in the area's code with <see cref="OpsEnvironment.GetSection{TSettings}"/>, which is null when the
/// file has no such section;</item>
/// <item>document the keys in the about topic's ENVIRONMENT FILES part and in production.example.psd1.</item>
/// </list>
/// Errors (a misspelled key, a value of the wrong shape) then name the file and the key path with no more code.
/// The backup area's keys (Store, EncryptionKey, Thresholds, ...) are the exception: they stay at the top
/// level, where every file written before sections has them.
/// </remarks>
public interface IEnvironmentSection
{
    /// <summary>The section's key at the top level of the file: the area's name, such as "Scaling".</summary>
    string Key { get; }

    /// <summary>The keys the section accepts; any other is an EnvironmentKeyUnknown error.</summary>
    IReadOnlyCollection<string> Keys { get; }

    /// <summary>The area's settings from the section; throw <see cref="SettingsTable.Invalid(string, string)"/> for a bad value.</summary>
    object Read(SettingsTable section);
}
