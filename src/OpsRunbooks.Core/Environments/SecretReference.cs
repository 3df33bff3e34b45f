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

    public string Resolve()
    {
        var variable = Reference[EnvironmentPrefix.Length..];
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new OpsException("EnvironmentReferenceMissing", FailureKind.NotFound,
                $"'{SourceFile}': {Key} refers to the environment variable {variable}, which is not set.", SourceFile);
    }

    public override string ToString() => Reference;
}
