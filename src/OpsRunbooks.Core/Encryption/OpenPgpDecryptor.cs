using OpsRunbooks.IO;
using Org.BouncyCastle.Bcpg.OpenPgp;

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

    /// <summary>Returns the plaintext stream; it owns <paramref name="encrypted"/>.</summary>
    public static Stream Open(Stream encrypted, OpenPgpPrivateKey key)
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
                return new VerifyingStream(literal.GetDataStream(), data, encrypted);
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

    /// <summary>The literal data; at its end, the Modification Detection Code is checked.</summary>
    private sealed class VerifyingStream(Stream literal, PgpPublicKeyEncryptedData data, Stream encrypted) : ReadOnlyStream
    {
        private bool _verified;

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = literal.Read(buffer);
                if (read == 0 && buffer.Length > 0 && !_verified)
                {
                    if (!data.Verify()) throw Failed("the integrity check (MDC) does not match: the artifact was altered");
                    _verified = true;
                }
            }
            catch (Exception e) when (e is PgpException or IOException or InvalidOperationException)
            {
                throw Failed(e.Message, e);
            }
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) encrypted.Dispose();
            base.Dispose(disposing);
        }
    }
}
