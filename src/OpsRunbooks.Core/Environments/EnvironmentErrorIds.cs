namespace OpsRunbooks.Environments;

/// <summary>The error ids of environment files: finding, reading and resolving them.</summary>
public static class EnvironmentErrorIds
{
    /// <summary>No &lt;Name&gt;.psd1 where environment files are looked up.</summary>
    public const string EnvironmentNotFound = "EnvironmentNotFound";

    /// <summary>The file is not valid environment data: code, a syntax error, or a value of the wrong shape.</summary>
    public const string EnvironmentFileInvalid = "EnvironmentFileInvalid";

    /// <summary>A key no area declares, such as a misspelled one; the message names the nearest known key.</summary>
    public const string EnvironmentKeyUnknown = "EnvironmentKeyUnknown";

    /// <summary>An env:NAME reference to a variable that is not set.</summary>
    public const string EnvironmentReferenceMissing = "EnvironmentReferenceMissing";

    /// <summary>A database name the environment does not list.</summary>
    public const string DatabaseNotInEnvironment = "DatabaseNotInEnvironment";

    /// <summary>A decryption key was wanted from an environment that names none.</summary>
    public const string DecryptionKeyMissing = "DecryptionKeyMissing";
}
