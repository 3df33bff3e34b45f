using System.Security.Cryptography;
using OpsRunbooks.Encryption;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Encryption;

[Collection(ServicesCollection.Name)]
public sealed class OpenPgpEncryptorTests(ServicesFixture services)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5 * 1024 * 1024 + 3)]
    public async Task GpgDecryptsWhatIsEncrypted(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-pgp-").FullName;
        try
        {
            var encrypted = Path.Combine(directory, "data.pgp");
            await using (var file = File.Create(encrypted))
            using (var message = OpenPgpEncryptor.Open(file, OpenPgpPublicKey.Load(services.Keys.PublicKeyPath), "data"))
            {
                for (var offset = 0; offset < size; offset += 100_000)
                    message.Write(data, offset, Math.Min(100_000, size - offset));
            }
            var decrypted = Path.Combine(directory, "data");
            await services.Keys.DecryptAsync(encrypted, decrypted);
            Assert.Equal(data, await File.ReadAllBytesAsync(decrypted));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AnEllipticCurveRecipientWorksToo()
    {
        await using var keys = await GpgKeyPair.CreateAsync("curve", "ed25519", "cv25519");
        var data = RandomNumberGenerator.GetBytes(200_003);
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-pgp-").FullName;
        try
        {
            var encrypted = Path.Combine(directory, "data.pgp");
            await using (var file = File.Create(encrypted))
            using (var message = OpenPgpEncryptor.Open(file, OpenPgpPublicKey.Load(keys.PublicKeyPath), "data"))
                message.Write(data);
            var decrypted = Path.Combine(directory, "data");
            await keys.DecryptAsync(encrypted, decrypted);
            Assert.Equal(data, await File.ReadAllBytesAsync(decrypted));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ABinaryKeyFileWorksAndTheFingerprintIsThePrimaryKeys()
    {
        var armored = OpenPgpPublicKey.Load(services.Keys.PublicKeyPath);
        var binary = Path.GetTempFileName();
        try
        {
            var export = await ProcessRunner.RunAsync("gpg", ["--homedir", services.Keys.Home, "--batch", "--output", binary, "--yes", "--export"]);
            export.EnsureSuccess("gpg --export");
            var fromBinary = OpenPgpPublicKey.Load(binary);
            Assert.Equal(armored.Fingerprint, fromBinary.Fingerprint);
            Assert.Equal(40, armored.Fingerprint.Length);
            var listed = (await ProcessRunner.RunAsync("gpg", ["--homedir", services.Keys.Home, "--with-colons", "--list-keys"])).Output;
            Assert.Contains("fpr:::::::::" + armored.Fingerprint + ":", listed);
            Assert.Contains(armored.KeyId, listed);
        }
        finally
        {
            File.Delete(binary);
        }
    }

    [Fact]
    public void AFileThatIsNoKeyIsReported()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a key");
            var error = Assert.Throws<OpsException>(() => OpenPgpPublicKey.Load(path));
            Assert.Equal("EncryptionKeyUnreadable", error.ErrorId);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
