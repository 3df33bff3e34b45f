using System.Security.Cryptography;
using OpsRunbooks.Encryption;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Encryption;

[Collection(ServicesCollection.Name)]
public sealed class OpenPgpDecryptorTests(ServicesFixture services)
{
    private static readonly char[] NoPassphrase = [];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3 * 1024 * 1024 + 7)]
    public void WhatTheEncryptorWritesDecryptsToTheSameBytes(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var encrypted = Encrypt(data, services.Keys.PublicKeyPath);
        Assert.Equal(data, Decrypt(encrypted, OpenPgpPrivateKey.Load(services.Keys.PrivateKeyPath, NoPassphrase)));
    }

    [Fact]
    public async Task WhatGpgEncryptsWithCompressionDecryptsToo()
    {
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-pgp-").FullName;
        try
        {
            var data = new byte[500_000];
            for (var i = 0; i < data.Length; i++) data[i] = (byte)(i % 251 < 100 ? 'a' : i);
            var plain = Path.Combine(directory, "data");
            var encrypted = Path.Combine(directory, "data.gpg");
            await File.WriteAllBytesAsync(plain, data);
            await services.Keys.EncryptAsync(plain, encrypted);
            Assert.Equal(data, Decrypt(await File.ReadAllBytesAsync(encrypted), OpenPgpPrivateKey.Load(services.Keys.PrivateKeyPath, NoPassphrase)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AnEllipticCurveKeyDecryptsWithItsPassphrase()
    {
        await using var keys = await GpgKeyPair.CreateAsync("curve-locked", "ed25519", "cv25519", passphrase: "correct horse");
        var data = RandomNumberGenerator.GetBytes(70_001);
        var encrypted = Encrypt(data, keys.PublicKeyPath);

        Assert.Equal(data, Decrypt(encrypted, OpenPgpPrivateKey.Load(keys.PrivateKeyPath, "correct horse".ToCharArray())));
        var locked = Assert.Throws<OpsException>(() => Decrypt(encrypted, OpenPgpPrivateKey.Load(keys.PrivateKeyPath, "wrong".ToCharArray())));
        Assert.Equal("DecryptionKeyLocked", locked.ErrorId);
    }

    [Fact]
    public void TheWrongKeyIsNamedWithTheKeyTheBackupNeeds()
    {
        var encrypted = Encrypt(RandomNumberGenerator.GetBytes(1000), services.Keys.PublicKeyPath);
        var other = OpenPgpPrivateKey.Load(services.OtherKeys.PrivateKeyPath, NoPassphrase);

        var error = Assert.Throws<OpsException>(() => Decrypt(encrypted, other));
        Assert.Equal(OpenPgpDecryptor.FailedErrorId, error.ErrorId);
        Assert.Contains(OpenPgpPublicKey.Load(services.Keys.PublicKeyPath).KeyId, error.Message);
        Assert.Contains(other.KeyIds[0], error.Message);
    }

    /// <param name="position">Where the byte is flipped: from the start when positive, from the end when negative.</param>
    [Theory]
    [InlineData(700)]
    [InlineData(100_000)]
    [InlineData(-10)]
    [InlineData(-1)]
    public void AFlippedByteFailsTheIntegrityCheck(int position)
    {
        var encrypted = Encrypt(RandomNumberGenerator.GetBytes(200_000), services.Keys.PublicKeyPath);
        encrypted[position >= 0 ? position : encrypted.Length + position] ^= 0x01;

        var error = Assert.Throws<OpsException>(() => Decrypt(encrypted, OpenPgpPrivateKey.Load(services.Keys.PrivateKeyPath, NoPassphrase)));
        Assert.Equal(OpenPgpDecryptor.FailedErrorId, error.ErrorId);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30_000)]
    public void ATruncatedMessageFails(int missingBytes)
    {
        var encrypted = Encrypt(RandomNumberGenerator.GetBytes(200_000), services.Keys.PublicKeyPath);

        var error = Assert.Throws<OpsException>(() => Decrypt(encrypted[..(encrypted.Length - missingBytes)], OpenPgpPrivateKey.Load(services.Keys.PrivateKeyPath, NoPassphrase)));
        Assert.Equal(OpenPgpDecryptor.FailedErrorId, error.ErrorId);
    }

    [Fact]
    public void APublicKeyFileIsNotASecretKey()
    {
        var error = Assert.Throws<OpsException>(() => OpenPgpPrivateKey.Load(services.Keys.PublicKeyPath, NoPassphrase));
        Assert.Equal("DecryptionKeyUnreadable", error.ErrorId);
        Assert.Contains(services.Keys.PublicKeyPath, error.Message);
    }

    private static byte[] Encrypt(byte[] data, string publicKeyPath)
    {
        using var output = new MemoryStream();
        using (var message = OpenPgpEncryptor.Open(output, OpenPgpPublicKey.Load(publicKeyPath), "data"))
            message.Write(data);
        return output.ToArray();
    }

    private static byte[] Decrypt(byte[] encrypted, OpenPgpPrivateKey key)
    {
        using var plain = OpenPgpDecryptor.Open(new MemoryStream(encrypted), key);
        using var copy = new MemoryStream();
        plain.CopyTo(copy);
        return copy.ToArray();
    }
}
