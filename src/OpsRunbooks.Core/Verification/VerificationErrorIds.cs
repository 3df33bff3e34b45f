namespace OpsRunbooks.Verification;

/// <summary>
/// The stable error ids of integrity tests: the causes a failed check names in its report, and the errors of
/// what the operator must fix before a backup can be tested.
/// </summary>
public static class VerificationErrorIds
{
    public const string ArchiveUnreadable = "ArchiveUnreadable";
    public const string CredentialMissing = "CredentialMissing";
    public const string ManifestMissing = "ManifestMissing";
    public const string RestoreTestNotRequested = "RestoreTestNotRequested";
    public const string RestoreTestServerMissing = "RestoreTestServerMissing";
    public const string VerificationQueryFailed = "VerificationQueryFailed";
}
