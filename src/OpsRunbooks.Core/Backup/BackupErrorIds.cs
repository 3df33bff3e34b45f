namespace OpsRunbooks.Backup;

/// <summary>The stable error ids of backups, restores, retention and freshness: the first part of a FullyQualifiedErrorId.</summary>
public static class BackupErrorIds
{
    public const string ArtifactMissing = "ArtifactMissing";
    public const string BackupInputInvalid = "BackupInputInvalid";
    public const string BackupIOFailed = "BackupIOFailed";
    public const string BackupNetworkFailed = "BackupNetworkFailed";
    public const string BackupNotFound = "BackupNotFound";
    public const string BackupStoreUnknown = "BackupStoreUnknown";
    public const string ChecksumMismatch = "ChecksumMismatch";
    public const string DecryptionKeyMissing = "DecryptionKeyMissing";
    public const string EncryptionKeyMissing = "EncryptionKeyMissing";
    public const string FreshnessPolicyInvalid = "FreshnessPolicyInvalid";
    public const string LeftoverAgeInvalid = "LeftoverAgeInvalid";
    public const string LeftoverInUse = "LeftoverInUse";
    public const string ManifestMalformed = "ManifestMalformed";
    public const string PassphraseWithoutKey = "PassphraseWithoutKey";
    public const string RestoreJobsInvalid = "RestoreJobsInvalid";
    public const string RestoreSwapFailed = "RestoreSwapFailed";
    public const string RetentionPolicyInvalid = "RetentionPolicyInvalid";
    public const string RetentionWouldRemoveAll = "RetentionWouldRemoveAll";
    public const string TargetDatabaseExists = "TargetDatabaseExists";
}
