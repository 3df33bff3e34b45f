using System.Management.Automation;
using OpsRunbooks.Storage;
using OpsRunbooks.Storage.S3;

namespace OpsRunbooks.PowerShell.Commands.Storage;

[Cmdlet(VerbsCommon.New, "BackupStore", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(LocalDirectoryStore), typeof(S3BackupStore))]
public sealed class NewBackupStoreCommand : OpsCmdlet
{
    private const string LocalSet = "Local";
    private const string S3Set = "S3";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = LocalSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string S3Bucket { get; set; } = "";

    [Parameter(ParameterSetName = S3Set)]
    public string Prefix { get; set; } = "";

    [Parameter(ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string? Endpoint { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>The S3 access key pair; named apart from -Credential, which is always the PostgreSQL login.</summary>
    [Parameter(ParameterSetName = S3Set)]
    [Credential]
    public PSCredential? S3Credential { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [ValidateSet("STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "REDUCED_REDUNDANCY")]
    public string? StorageClass { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [ValidateRange(S3StoreOptions.MinimumPartSize, 5L * 1024 * 1024 * 1024)]
    public long PartSize { get; set; } = S3StoreOptions.DefaultPartSize;

    [Parameter(ParameterSetName = S3Set)]
    [ValidateRange(1, 64)]
    public int UploadConcurrency { get; set; } = 4;

    [Parameter(ParameterSetName = S3Set)]
    public SwitchParameter DisableChunkEncoding { get; set; }

    protected override void ProcessRecord() => TryRun(() =>
    {
        if (ParameterSetName == LocalSet)
        {
            WriteObject(new LocalDirectoryStore(GetUnresolvedProviderPathFromPSPath(Path)));
            return;
        }
        WriteObject(new S3BackupStore(new S3StoreOptions(S3Bucket)
        {
            Prefix = Prefix,
            Endpoint = Endpoint,
            Region = Region,
            Credential = S3Credential is null ? null : new S3Credential(S3Credential.UserName, S3Credential.Password),
            StorageClass = StorageClass,
            PartSize = PartSize,
            UploadConcurrency = UploadConcurrency,
            UseChunkEncoding = !DisableChunkEncoding,
        }));
    });
}
