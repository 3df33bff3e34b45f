using System.Net;
using System.Security;

namespace OpsRunbooks.Storage.S3;

/// <summary>
/// An S3 access key pair. The secret is held as a <see cref="SecureString"/> and only ever read to sign
/// requests; no public member exposes it, so a store serialized with ConvertTo-Json or Export-Clixml
/// shows the access key id alone.
/// </summary>
public sealed class S3Credential
{
    private readonly SecureString _secretKey;

    public S3Credential(string accessKeyId, SecureString secretKey)
    {
        AccessKeyId = accessKeyId;
        _secretKey = secretKey.Copy();
        _secretKey.MakeReadOnly();
    }

    public S3Credential(string accessKeyId, string secretKey) : this(accessKeyId, new NetworkCredential("", secretKey).SecurePassword)
    {
    }

    public string AccessKeyId { get; }

    internal Amazon.Runtime.BasicAWSCredentials ToAwsCredentials() =>
        new(AccessKeyId, new NetworkCredential("", _secretKey).Password);

    public override string ToString() => AccessKeyId;
}
