using Org.BouncyCastle.Bcpg.OpenPgp;

namespace OpsRunbooks.Encryption;

/// <summary>The OpenPGP key backups are encrypted to, read from an ASCII-armored or binary public key file.</summary>
public sealed class OpenPgpPublicKey
{
    private OpenPgpPublicKey(PgpPublicKey encryptionKey, PgpPublicKey primaryKey, string sourcePath)
    {
        EncryptionKey = encryptionKey;
        SourcePath = sourcePath;
        Fingerprint = Convert.ToHexString(primaryKey.GetFingerprint());
        KeyId = encryptionKey.KeyId.ToString("X16");
    }

    internal PgpPublicKey EncryptionKey { get; }

    public string SourcePath { get; }

    /// <summary>The primary key's fingerprint, as `gpg --list-keys` shows it.</summary>
    public string Fingerprint { get; }

    /// <summary>The id of the (sub)key the data is encrypted to, as `gpg --list-packets` shows it.</summary>
    public string KeyId { get; }

    public static OpenPgpPublicKey Load(string path)
    {
        if (!File.Exists(path))
            throw new OpsException("EncryptionKeyNotFound", FailureKind.NotFound, $"The encryption key file '{path}' does not exist.", path);
        try
        {
            using var file = File.OpenRead(path);
            using var decoded = PgpUtilities.GetDecoderStream(file);
            var bundle = new PgpPublicKeyRingBundle(decoded);
            if (bundle.Count == 0)
                throw new PgpException("the file holds no public key");
            foreach (PgpPublicKeyRing ring in bundle.GetKeyRings())
            {
                var keys = ring.GetPublicKeys().ToList();
                var encryptionKey = keys.Where(k => k.IsEncryptionKey && !k.HasRevocation() && !IsExpired(k))
                    .OrderBy(k => k.IsMasterKey) // gpg puts the encryption key in a subkey; prefer it
                    .FirstOrDefault();
                if (encryptionKey is not null)
                    return new OpenPgpPublicKey(encryptionKey, ring.GetPublicKey(), path);
            }
        }
        catch (Exception e) when (e is PgpException or IOException)
        {
            throw new OpsException("EncryptionKeyUnreadable", FailureKind.InvalidData,
                $"'{path}' is not an OpenPGP public key (export one with: gpg --armor --export KEYID > file): {e.Message}", path, e);
        }
        throw new OpsException("EncryptionKeyUnusable", FailureKind.InvalidData,
            $"'{path}' holds no valid OpenPGP key that can encrypt (it may be revoked or expired).", path);
    }

    private static bool IsExpired(PgpPublicKey key)
    {
        var seconds = key.GetValidSeconds();
        return seconds > 0 && key.CreationTime.AddSeconds(seconds) < DateTime.UtcNow;
    }
}
