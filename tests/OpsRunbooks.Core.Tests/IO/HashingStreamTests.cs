using System.Security.Cryptography;
using OpsRunbooks.IO;
using Xunit;

namespace OpsRunbooks.Core.Tests.IO;

public sealed class HashingStreamTests
{
    [Fact]
    public async Task HashesAndCountsExactlyWhatReachesTheInnerStream()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        using var inner = new MemoryStream();
        using var hashing = new HashingStream(inner);
        hashing.Write(data, 0, 1000);
        await hashing.WriteAsync(data.AsMemory(1000, 2_000_000));
        hashing.Write(data.AsSpan(2_001_000));

        Assert.Equal(data.Length, hashing.BytesWritten);
        Assert.Equal(data, inner.ToArray());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant(), hashing.GetSha256());
    }
}
