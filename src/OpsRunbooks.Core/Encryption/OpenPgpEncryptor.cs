using System.Security.Cryptography;
using OpsRunbooks.IO;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace OpsRunbooks.Encryption;

/// <summary>
/// Streams data into an OpenPGP message (AES-256, integrity-protected, partial-length packets) that
/// `gpg --decrypt` reads. Nothing is buffered beyond one 64 KiB packet chunk.
/// </summary>
public static class OpenPgpEncryptor
{
    private const int PacketBufferSize = 1 << 16;

    /// <summary>
    /// Returns a stream whose writes become the encrypted message in <paramref name="output"/>.
    /// Disposing it finishes the message; <paramref name="output"/> stays open.
    /// </summary>
    public static Stream Open(Stream output, OpenPgpPublicKey recipient, string fileName) =>
        recipient.EncryptionKey.Algorithm is PublicKeyAlgorithmTag.RsaGeneral or PublicKeyAlgorithmTag.RsaEncrypt
            ? OpenWithPlatformCrypto(output, recipient, fileName)
            : OpenWithBouncyCastle(output, recipient, fileName);

    /// <summary>
    /// RSA recipients (gpg's long-standing default): the packets written here, with the platform's RSA,
    /// AES and SHA-1, so encryption keeps pace with pg_dump on the second core.
    /// </summary>
    private static Stream OpenWithPlatformCrypto(Stream output, OpenPgpPublicKey recipient, string fileName)
    {
        var sessionKey = RandomNumberGenerator.GetBytes(32);
        WriteRsaSessionKeyPacket(output, recipient.EncryptionKey, sessionKey);
        var encryptedPacket = new OpenPgpPacketStream(output, tag: 18);
        encryptedPacket.WriteByte(1);
        var encrypted = new AesCfbEncryptingStream(encryptedPacket, sessionKey);
        var literalPacket = new OpenPgpPacketStream(encrypted, tag: 11);
        var name = System.Text.Encoding.UTF8.GetBytes(fileName);
        literalPacket.WriteByte((byte)'b');
        literalPacket.WriteByte((byte)name.Length);
        literalPacket.Write(name);
        var seconds = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        literalPacket.Write([(byte)(seconds >> 24), (byte)(seconds >> 16), (byte)(seconds >> 8), (byte)seconds]);
        return new PlatformMessageStream(literalPacket, encrypted, encryptedPacket);
    }

    /// <summary>A Public-Key Encrypted Session Key packet (RFC 4880 5.1) for an RSA key.</summary>
    private static void WriteRsaSessionKeyPacket(Stream output, PgpPublicKey key, byte[] sessionKey)
    {
        var checksum = sessionKey.Sum(b => b) & 0xFFFF;
        byte[] sessionInfo = [(byte)SymmetricKeyAlgorithmTag.Aes256, .. sessionKey, (byte)(checksum >> 8), (byte)checksum];
        var parameters = (Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)key.GetKey();
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = parameters.Modulus.ToByteArrayUnsigned(),
            Exponent = parameters.Exponent.ToByteArrayUnsigned(),
        });
        var encrypted = rsa.Encrypt(sessionInfo, RSAEncryptionPadding.Pkcs1).AsSpan();
        encrypted = encrypted[encrypted.IndexOfAnyExcept((byte)0)..];
        var bits = (encrypted.Length - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)encrypted[0]));

        using var body = new MemoryStream();
        body.WriteByte(3);
        var keyId = key.KeyId;
        for (var shift = 56; shift >= 0; shift -= 8) body.WriteByte((byte)(keyId >> shift));
        body.WriteByte((byte)key.Algorithm);
        body.WriteByte((byte)(bits >> 8));
        body.WriteByte((byte)bits);
        body.Write(encrypted);

        output.WriteByte(0xC0 | 1);
        OpenPgpPacketStream.WriteLength(output, (int)body.Length);
        body.WriteTo(output);
    }

    private static Stream OpenWithBouncyCastle(Stream output, OpenPgpPublicKey recipient, string fileName)
    {
        var encryptedGenerator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: true, new SecureRandom());
        encryptedGenerator.AddMethod(recipient.EncryptionKey);
        var encrypted = encryptedGenerator.Open(output, new byte[PacketBufferSize]);
        var literalGenerator = new PgpLiteralDataGenerator();
        var literal = literalGenerator.Open(encrypted, PgpLiteralData.Binary, fileName, DateTime.UtcNow, new byte[PacketBufferSize]);
        return new MessageStream(literal, encrypted);
    }

    /// <summary>Ends the literal packet, then the encryption (which adds the integrity check), then the outer packet.</summary>
    private sealed class PlatformMessageStream(OpenPgpPacketStream literal, AesCfbEncryptingStream encrypted, OpenPgpPacketStream outer) : WriteOnlyStream
    {
        public override void Write(byte[] buffer, int offset, int count) => literal.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => literal.Write(buffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                literal.Finish();
                encrypted.Finish();
                outer.Finish();
                encrypted.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Closes the literal packet, then the encrypted packet (which writes the integrity check).</summary>
    private sealed class MessageStream(Stream literal, Stream encrypted) : WriteOnlyStream
    {
        public override void Write(byte[] buffer, int offset, int count) => literal.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => literal.Write(buffer);
        public override void Flush() => literal.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                literal.Dispose();
                encrypted.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
