using Org.BouncyCastle.Bcpg.OpenPgp;

namespace OpsRunbooks.Encryption;

/// <summary>
/// The secret keys a backup can be decrypted with, read from an ASCII-armored or binary secret key file
/// (`gpg --export-secret-keys`). Keys are unlocked with the passphrase only when a backup asks for one.
/// </summary>
public sealed class OpenPgpPrivateKey
{
    private readonly PgpSecretKeyRingBundle _bundle;
    private readonly char[] _passphrase;

    private OpenPgpPrivateKey(PgpSecretKeyRingBundle bundle, char[] passphrase, string sourcePath)
    {
        _bundle = bundle;
        _passphrase = passphrase;
        SourcePath = sourcePath;
        KeyIds = bundle.GetKeyRings().Cast<PgpSecretKeyRing>()
            .SelectMany(ring => ring.GetSecretKeys().Cast<PgpSecretKey>())
            .Where(k => !k.IsPrivateKeyEmpty)
            .Select(k => k.KeyId.ToString("X16"))
            .ToList();
    }

    public string SourcePath { get; }

    /// <summary>Ids of the (sub)keys the file holds secrets for, as `gpg --list-packets` shows them.</summary>
    public IReadOnlyList<string> KeyIds { get; }

    /// <param name="passphrase">The passphrase protecting the key; empty for an unprotected key.</param>
    public static OpenPgpPrivateKey Load(string path, char[] passphrase)
    {
        if (!File.Exists(path))
            throw new OpsException("DecryptionKeyNotFound", FailureKind.NotFound, $"The decryption key file '{path}' does not exist.", path);
        try
        {
            using var file = File.OpenRead(path);
            using var decoded = PgpUtilities.GetDecoderStream(file);
            var bundle = new PgpSecretKeyRingBundle(decoded);
            if (bundle.Count == 0) throw new PgpException("the file holds no secret key");
            return new OpenPgpPrivateKey(bundle, passphrase, path);
        }
        catch (Exception e) when (e is PgpException or IOException)
        {
            throw new OpsException("DecryptionKeyUnreadable", FailureKind.InvalidData,
                $"'{path}' is not an OpenPGP secret key (export one with: gpg --armor --export-secret-keys KEYID > file): {e.Message}", path, e);
        }
    }

    /// <summary>The unlocked secret key with id <paramref name="keyId"/>, or null when the file does not hold it.</summary>
    internal PgpPrivateKey? Unlock(long keyId)
    {
        var secret = _bundle.GetSecretKey(keyId);
        if (secret is null || secret.IsPrivateKeyEmpty) return null;
        try
        {
            return secret.ExtractPrivateKey(_passphrase);
        }
        catch (PgpException e)
        {
            throw new OpsException("DecryptionKeyLocked", FailureKind.AuthenticationFailed,
                $"The secret key {keyId:X16} in '{SourcePath}' could not be unlocked: the passphrase is wrong or missing ({e.Message}).", SourcePath, e);
        }
    }
}
