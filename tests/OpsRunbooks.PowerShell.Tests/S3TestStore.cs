using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using OpsRunbooks.TestSupport;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A store under a fresh prefix in the test S3 server's bucket. Its objects are read and written with the
/// test's own S3 client, not the module's.
/// </summary>
public sealed class S3TestStore : ITestStore
{
    /// <summary>The environment variable environment files name for the secret key.</summary>
    public const string SecretVariable = "OPSRUNBOOKS_TEST_S3_SECRET_KEY";

    private readonly S3Service _server;
    private readonly AmazonS3Client _client;

    public S3TestStore(S3Service server)
    {
        _server = server;
        Prefix = "test-" + Guid.NewGuid().ToString("N")[..10];
        Environment.SetEnvironmentVariable(SecretVariable, S3Service.SecretKey);
        _client = new AmazonS3Client(new BasicAWSCredentials(S3Service.AccessKey, S3Service.SecretKey),
            new AmazonS3Config { ServiceURL = server.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
    }

    public string Prefix { get; }

    public string Kind => TestStores.S3;

    public string NewStoreExpression =>
        $"New-BackupStore -S3Bucket {TestStores.Quote(S3Service.Bucket)} -Prefix {TestStores.Quote(Prefix)} -Endpoint {TestStores.Quote(_server.Endpoint)} " +
        $"-S3Credential ([pscredential]::new({TestStores.Quote(S3Service.AccessKey)}, [System.Net.NetworkCredential]::new('', {TestStores.Quote(S3Service.SecretKey)}).SecurePassword)) " +
        "-DisableChunkEncoding -PartSize 5MB";

    public string EnvironmentEntry =>
        $"@{{ S3Bucket = {TestStores.Quote(S3Service.Bucket)}; Prefix = {TestStores.Quote(Prefix)}; Endpoint = {TestStores.Quote(_server.Endpoint)}; " +
        $"AccessKey = {TestStores.Quote(S3Service.AccessKey)}; SecretKey = 'env:{SecretVariable}'; ChunkEncoding = $false; PartSizeMB = 5 }}";

    public IReadOnlyList<string> ObjectNames()
    {
        var names = new List<string>();
        var request = new ListObjectsRequest { BucketName = S3Service.Bucket, Prefix = Prefix + "/" };
        while (true)
        {
            var response = _client.ListObjectsAsync(request).GetAwaiter().GetResult();
            var items = response.S3Objects ?? [];
            names.AddRange(items.Select(o => o.Key[(Prefix.Length + 1)..]));
            if (response.IsTruncated != true || items.Count == 0) break;
            request.Marker = items[^1].Key;
        }
        return names.Order(StringComparer.Ordinal).ToList();
    }

    public byte[] ReadBytes(string name)
    {
        using var response = _client.GetObjectAsync(S3Service.Bucket, Prefix + "/" + name).GetAwaiter().GetResult();
        using var copy = new MemoryStream();
        response.ResponseStream.CopyTo(copy);
        return copy.ToArray();
    }

    public void WriteText(string name, string content) =>
        _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = S3Service.Bucket,
            Key = Prefix + "/" + name,
            ContentBody = content,
            UseChunkEncoding = false,
        }).GetAwaiter().GetResult();

    public void WriteBytes(string name, byte[] content)
    {
        using var body = new MemoryStream(content);
        _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = S3Service.Bucket,
            Key = Prefix + "/" + name,
            InputStream = body,
            UseChunkEncoding = false,
        }).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        foreach (var name in ObjectNames())
            _client.DeleteObjectAsync(S3Service.Bucket, Prefix + "/" + name).GetAwaiter().GetResult();
        _client.Dispose();
    }
}
