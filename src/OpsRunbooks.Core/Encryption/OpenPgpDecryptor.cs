using System.Security.Cryptography;
using OpsRunbooks.IO;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpsRunbooks.Encryption;

/// <summary>
/// Streams the plaintext out of an OpenPGP message encrypted to a public key: what
/// <see cref="OpenPgpEncryptor"/> writes, and what `gpg --encrypt` writes (compressed or not). The
/// message must be integrity-protected; the protection is verified when the plaintext has been read to
/// its end, and any failure, there or before, is a <c>DecryptionFailed</c> error.
/// </summary>
public static class OpenPgpDecryptor
{
    public const string FailedErrorId = "DecryptionFailed";

    private const int MdcLength = 20;

    /// <summary>Returns the plaintext stream; it owns <paramref name="encrypted"/>.</summary>
    public static Stream Open(Stream encrypted, OpenPgpPrivateKey key)
    {
        var recording = new RecordingStream(encrypted);
        Stream? platform;
        try
        {
            platform = TryOpenWithPlatformCrypto(recording, key);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or CryptographicException)
        {
            // Anything the fast path does not understand is left to BouncyCastle, which names the problem.
            platform = null;
        }
        catch
        {
            recording.Dispose();
            throw;
        }
        if (platform is not null)
        {
            recording.StopRecording();
            return platform;
        }
        return OpenWithBouncyCastle(recording.Replay(), key);
    }

    /// <summary>
    /// RSA recipients, AES and a literal packet (what <see cref="OpenPgpEncryptor"/> writes for the keys gpg
    /// makes by default): decrypted with the platform's RSA, AES and SHA-1, several times faster than
    /// managed code. Returns null for any other kind of message, which BouncyCastle then reads.
    /// </summary>
    private static Stream? TryOpenWithPlatformCrypto(Stream input, OpenPgpPrivateKey key)
    {
        var sessionKeyPackets = new List<byte[]>();
        OpenPgpPacketHeader header;
        while (true)
        {
            if (OpenPgpPacketReader.ReadHeader(input) is not { } next) return null;
            header = next;
            if (header.Tag == 1) sessionKeyPackets.Add(OpenPgpPacketReader.ReadDefiniteBody(input, header));
            else if (header.Tag == 10) OpenPgpPacketReader.ReadDefiniteBody(input, header); // a marker packet
            else break;
        }
        if (header.Tag != 18) return null;

        foreach (var packet in sessionKeyPackets)
        {
            if (packet.Length < 12 || packet[0] != 3 || packet[9] is not ((byte)PublicKeyAlgorithmTag.RsaGeneral or (byte)PublicKeyAlgorithmTag.RsaEncrypt))
                continue;
            var keyId = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan(1, 8));
            if (key.Unlock(keyId) is not { Key: RsaPrivateCrtKeyParameters rsaKey }) continue;
            if (DecryptSessionKey(rsaKey, packet.AsSpan(10)) is not { } sessionKey) return null;

            var encryptedBody = new OpenPgpPacketBodyStream(input, header);
            if (OpenPgpPacketReader.ReadByteOrFail(encryptedBody) != 1) return null;
            var plain = new AesCfbDecryptingStream(encryptedBody, sessionKey);
            Span<byte> prefix = stackalloc byte[18];
            plain.ReadExactly(prefix);
            if (prefix[14] != prefix[16] || prefix[15] != prefix[17]) return null;
            if (OpenPgpPacketReader.ReadHeader(plain) is not { Tag: 11 } literalHeader) return null;
            var literal = new OpenPgpPacketBodyStream(plain, literalHeader);
            OpenPgpPacketReader.ReadByteOrFail(literal); // data format
            var nameLength = OpenPgpPacketReader.ReadByteOrFail(literal);
            literal.ReadExactly(new byte[nameLength + 4]); // file name and date
            return new PlatformMessageStream(literal, plain, input);
        }
        return null;
    }

    /// <summary>The AES key in an RSA-encrypted session key (RFC 4880 5.1), or null when it is not AES or its checksum is off.</summary>
    private static byte[]? DecryptSessionKey(RsaPrivateCrtKeyParameters key, ReadOnlySpan<byte> mpi)
    {
        var modulusLength = key.Modulus.ToByteArrayUnsigned().Length;
        var half = (modulusLength + 1) / 2;
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Padded(key.Modulus, modulusLength),
            Exponent = key.PublicExponent.ToByteArrayUnsigned(),
            D = Padded(key.Exponent, modulusLength),
            P = Padded(key.P, half),
            Q = Padded(key.Q, half),
            DP = Padded(key.DP, half),
            DQ = Padded(key.DQ, half),
            InverseQ = Padded(key.QInv, half),
        });
        var value = mpi[2..];
        var cipher = new byte[modulusLength];
        value.CopyTo(cipher.AsSpan(modulusLength - value.Length));
        var info = rsa.Decrypt(cipher, RSAEncryptionPadding.Pkcs1);
        var keyLength = (SymmetricKeyAlgorithmTag)info[0] switch
        {
            SymmetricKeyAlgorithmTag.Aes128 => 16,
            SymmetricKeyAlgorithmTag.Aes192 => 24,
            SymmetricKeyAlgorithmTag.Aes256 => 32,
            _ => 0,
        };
        if (keyLength == 0 || info.Length != keyLength + 3) return null;
        var sessionKey = info.AsSpan(1, keyLength);
        var checksum = (info[^2] << 8) | info[^1];
        var sum = 0;
        foreach (var b in sessionKey) sum += b;
        return (sum & 0xFFFF) == checksum ? sessionKey.ToArray() : null;
    }

    private static byte[] Padded(Org.BouncyCastle.Math.BigInteger value, int length)
    {
        var bytes = value.ToByteArrayUnsigned();
        if (bytes.Length == length) return bytes;
        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return padded;
    }

    private static Stream OpenWithBouncyCastle(Stream encrypted, OpenPgpPrivateKey key)
    {
        try
        {
            var packets = new PgpObjectFactory(encrypted);
            var list = NextSkippingMarkers(packets) as PgpEncryptedDataList
                ?? throw Failed("the artifact does not start with OpenPGP public-key encrypted data");
            var candidates = list.GetEncryptedDataObjects().OfType<PgpPublicKeyEncryptedData>().ToList();
            foreach (var data in candidates)
            {
                if (key.Unlock(data.KeyId) is not { } privateKey) continue;
                if (!data.IsIntegrityProtected())
                    throw Failed("the message has no integrity protection, so tampering could not be detected");
                var plain = new PgpObjectFactory(data.GetDataStream(privateKey));
                var content = plain.NextPgpObject();
                if (content is PgpCompressedData compressed)
                {
                    plain = new PgpObjectFactory(compressed.GetDataStream());
                    content = plain.NextPgpObject();
                }
                if (content is not PgpLiteralData literal)
                    throw Failed($"the decrypted message holds {content?.GetType().Name ?? "nothing"} instead of literal data");
                return new BouncyCastleMessageStream(literal.GetDataStream(), data, encrypted);
            }
            var wanted = string.Join(", ", candidates.Select(c => c.KeyId.ToString("X16")));
            throw Failed($"the backup is encrypted to key {wanted}, and '{key.SourcePath}' holds secrets only for {string.Join(", ", key.KeyIds)}");
        }
        catch (Exception e) when (e is PgpException or IOException)
        {
            encrypted.Dispose();
            throw Failed(e.Message, e);
        }
        catch
        {
            encrypted.Dispose();
            throw;
        }
    }

    private static PgpObject? NextSkippingMarkers(PgpObjectFactory factory)
    {
        var next = factory.NextPgpObject();
        while (next is PgpMarker) next = factory.NextPgpObject();
        return next;
    }

    private static OpsException Failed(string reason, Exception? inner = null) =>
        new(FailedErrorId, FailureKind.IntegrityFailed, "Decryption failed: " + reason + ".", null, inner);

    /// <summary>
    /// The literal data of a decrypted message; when it has been read to its end, the integrity protection is
    /// checked. Every failure while reading is a <c>DecryptionFailed</c> error.
    /// </summary>
    private abstract class MessageStream(Stream encrypted) : ReadOnlyStream
    {
        private bool _verified;

        protected abstract int ReadLiteral(Span<byte> buffer);

        /// <summary>Fails unless the Modification Detection Code matches the data read.</summary>
        protected abstract void VerifyIntegrity();

        public override int Read(Span<byte> buffer)
        {
            try
            {
                var read = ReadLiteral(buffer);
                if (read == 0 && buffer.Length > 0 && !_verified)
                {
                    VerifyIntegrity();
                    _verified = true;
                }
                return read;
            }
            catch (Exception e) when (e is PgpException or IOException or InvalidDataException or InvalidOperationException or CryptographicException)
            {
                throw Failed(e.Message, e);
            }
        }

        protected static OpsException Altered() => Failed("the integrity check (MDC) does not match: the artifact was altered");

        protected override void Dispose(bool disposing)
        {
            if (disposing) encrypted.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class BouncyCastleMessageStream(Stream literal, PgpPublicKeyEncryptedData data, Stream encrypted) : MessageStream(encrypted)
    {
        protected override int ReadLiteral(Span<byte> buffer) => literal.Read(buffer);

        protected override void VerifyIntegrity()
        {
            if (!data.Verify()) throw Altered();
        }
    }

    /// <summary>After the literal packet: the MDC packet (0xD3 0x14 and SHA-1 of all plaintext before its hash), then nothing.</summary>
    private sealed class PlatformMessageStream(Stream literal, AesCfbDecryptingStream plain, Stream encrypted) : MessageStream(encrypted)
    {
        protected override int ReadLiteral(Span<byte> buffer) => literal.Read(buffer);

        protected override void VerifyIntegrity()
        {
            if (OpenPgpPacketReader.ReadByteOrFail(plain) != 0xD3 || OpenPgpPacketReader.ReadByteOrFail(plain) != MdcLength)
                throw Altered();
            var expected = plain.CurrentMdc();
            Span<byte> actual = stackalloc byte[MdcLength];
            plain.ReadExactly(actual);
            if (!actual.SequenceEqual(expected) || plain.ReadByte() >= 0) throw Altered();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) plain.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Keeps what is read until told to stop, so a message the fast path turned down can be read again from
    /// its first byte. Only the packet headers and the first buffer of data are ever kept.
    /// </summary>
    private sealed class RecordingStream(Stream source) : ReadOnlyStream
    {
        private MemoryStream? _recorded = new();

        public override int Read(Span<byte> buffer)
        {
            var read = source.Read(buffer);
            _recorded?.Write(buffer[..read]);
            return read;
        }

        public void StopRecording() => _recorded = null;

        /// <summary>The source from its first byte: what was recorded, then the rest.</summary>
        public Stream Replay()
        {
            var recorded = _recorded ?? throw new InvalidOperationException("Recording was stopped.");
            _recorded = null;
            recorded.Position = 0;
            return new ReplayStream(recorded, source);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) source.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class ReplayStream(MemoryStream recorded, Stream rest) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            var read = recorded.Read(buffer);
            return read > 0 ? read : rest.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) rest.Dispose();
            base.Dispose(disposing);
        }
    }
}
