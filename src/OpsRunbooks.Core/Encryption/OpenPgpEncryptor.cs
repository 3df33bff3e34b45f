using OpsRunbooks.IO;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace OpsRunbooks.Encryption;

/// <summary>
/// Streams data into an OpenPGP message (AES-256, integrity-protected, partial-length packets) that
/// `gpg --decrypt` reads. Nothing is buffered beyond one packet.
/// </summary>
public static class OpenPgpEncryptor
{
    private const int PacketBufferSize = 1 << 16;

    /// <summary>
    /// Returns a stream whose writes become the encrypted message in <paramref name="output"/>.
    /// Disposing it finishes the message; <paramref name="output"/> stays open.
    /// </summary>
    public static Stream Open(Stream output, OpenPgpPublicKey recipient, string fileName)
    {
        var encryptedGenerator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: true, new SecureRandom());
        encryptedGenerator.AddMethod(recipient.EncryptionKey);
        var encrypted = encryptedGenerator.Open(output, new byte[PacketBufferSize]);
        var literalGenerator = new PgpLiteralDataGenerator();
        var literal = literalGenerator.Open(encrypted, PgpLiteralData.Binary, fileName, DateTime.UtcNow, new byte[PacketBufferSize]);
        return new MessageStream(literal, encrypted);
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
