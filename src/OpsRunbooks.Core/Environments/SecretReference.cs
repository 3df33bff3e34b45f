namespace OpsRunbooks.Environments;

/// <summary>
/// A secret named by reference (env:NAME) in an environment file. It is resolved only when used and its
/// value never appears in output, logs or errors: ToString shows the reference.
/// </summary>
public sealed class SecretReference
{
    public const string EnvironmentPrefix = "env:";

    public SecretReference(string reference, string sourceFile, string key)
    {
        Reference = reference;
        SourceFile = sourceFile;
        Key = key;
    }

    public string Reference { get; }
    public string SourceFile { get; }
    public string Key { get; }

    public static bool IsReference(string value) => value.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value: the variable's for an env:NAME reference, the text itself otherwise.</summary>
    public string Resolve()
    {
        if (!IsReference(Reference)) return Reference;
        var variable = Reference[EnvironmentPrefix.Length..];
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new OpsException(EnvironmentErrorIds.EnvironmentReferenceMissing, FailureKind.NotFound,
                $"'{SourceFile}': {Key} refers to the environment variable {variable}, which is not set.", SourceFile);
    }

    /// <summary>The reference; a value written in the file itself is not shown.</summary>
    public override string ToString() => IsReference(Reference) ? Reference : "(literal)";
}
