using System.Management.Automation;

namespace OpsRunbooks.PowerShell;

public static class ErrorRecords
{
    public static ErrorRecord From(OpsException e) =>
        new(e, e.ErrorId, CategoryOf(e.Kind), e.Target);

    private static ErrorCategory CategoryOf(FailureKind kind) => kind switch
    {
        FailureKind.NotFound => ErrorCategory.ObjectNotFound,
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.ConnectionFailed => ErrorCategory.ConnectionError,
        FailureKind.AuthenticationFailed => ErrorCategory.AuthenticationError,
        FailureKind.NotInstalled => ErrorCategory.NotInstalled,
        FailureKind.ResourceExists => ErrorCategory.ResourceExists,
        FailureKind.NotImplemented => ErrorCategory.NotImplemented,
        FailureKind.IntegrityFailed => ErrorCategory.InvalidResult,
        FailureKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        FailureKind.ResourceBusy => ErrorCategory.ResourceBusy,
        _ => ErrorCategory.NotSpecified,
    };
}
