namespace OpsRunbooks;

/// <summary>The kind of failure, so the cmdlet layer can pick the matching PowerShell error category.</summary>
public enum FailureKind
{
    NotFound,
    InvalidArgument,
    InvalidData,
    ConnectionFailed,
    AuthenticationFailed,
    NotInstalled,

    /// <summary>Something of that name exists already and was not written over.</summary>
    ResourceExists,

    /// <summary>The server or system does not implement what was asked.</summary>
    NotImplemented,
    OperationFailed,
    IntegrityFailed,

    /// <summary>A disk, file or other resource failed or ran out (no space left, read-only).</summary>
    ResourceUnavailable,

    /// <summary>Something is in use by someone else and was left alone.</summary>
    ResourceBusy,
}

/// <summary>
/// An expected failure: it carries a stable error id and a message that tells the operator what to do,
/// so the cmdlet layer can turn it into an ErrorRecord without a stack trace.
/// </summary>
public sealed class OpsException : Exception
{
    public OpsException(string errorId, FailureKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }
    public object? Target { get; }
}
