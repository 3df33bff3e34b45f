namespace OpsRunbooks.TestSupport;

/// <summary>
/// An OpenPGP key pair made by the real gpg in a throwaway home directory, so tests check that what
/// the module encrypts is what gpg decrypts.
/// </summary>
public sealed class GpgKeyPair : IAsyncDisposable
{
    private GpgKeyPair(string home, string fingerprint, string publicKeyPath, string privateKeyPath)
    {
        Fingerprint = fingerprint;
        Home = home;
        PublicKeyPath = publicKeyPath;
        PrivateKeyPath = privateKeyPath;
    }

    public string Home { get; }

    /// <summary>The primary key's fingerprint.</summary>
    public string Fingerprint { get; }
    public string PublicKeyPath { get; }

    /// <summary>The secret key, exported armored; protected by the passphrase it was made with, if any.</summary>
    public string PrivateKeyPath { get; }

    /// <param name="signingAlgorithm">gpg's name of the primary key's algorithm, e.g. rsa3072 or ed25519.</param>
    /// <param name="encryptionAlgorithm">gpg's name of the encryption subkey's algorithm, e.g. rsa3072 or cv25519.</param>
    /// <param name="passphrase">Protects the secret key; empty for none.</param>
    public static async Task<GpgKeyPair> CreateAsync(string name, string signingAlgorithm = "rsa3072", string encryptionAlgorithm = "rsa3072", string passphrase = "")
    {
        var home = Directory.CreateTempSubdirectory("opsrunbooks-gpg-").FullName;
        var uid = $"{name} <{name}@opsrunbooks.test>";
        await GpgAsync(home, "--passphrase", passphrase, "--quick-generate-key", uid, signingAlgorithm, "sign", "never");
        var fingerprint = (await GpgAsync(home, "--with-colons", "--list-keys", uid)).Output
            .Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
        await GpgAsync(home, "--passphrase", passphrase, "--quick-add-key", fingerprint, encryptionAlgorithm, "encr", "never");
        var publicKey = Path.Combine(home, "public.asc");
        var privateKey = Path.Combine(home, "private.asc");
        await File.WriteAllTextAsync(publicKey, (await GpgAsync(home, "--armor", "--export", fingerprint)).Output);
        await File.WriteAllTextAsync(privateKey, (await GpgAsync(home, "--passphrase", passphrase, "--armor", "--export-secret-keys", fingerprint)).Output);
        return new GpgKeyPair(home, fingerprint, publicKey, privateKey);
    }

    /// <summary>Decrypts a file with `gpg --decrypt`, failing on anything gpg does not accept.</summary>
    public async Task DecryptAsync(string encryptedPath, string outputPath)
    {
        await GpgAsync(Home, "--output", outputPath, "--decrypt", encryptedPath);
    }

    /// <summary>Encrypts a file to this key pair with `gpg --encrypt`, with gpg's default compression.</summary>
    public async Task EncryptAsync(string plainPath, string outputPath)
    {
        await GpgAsync(Home, "--trust-model", "always", "--output", outputPath, "--recipient", Fingerprint, "--encrypt", plainPath);
    }

    private static async Task<ProcessResult> GpgAsync(string home, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("gpg", ["--homedir", home, "--batch", "--yes", "--pinentry-mode", "loopback", .. arguments]);
        return result.EnsureSuccess("gpg " + string.Join(' ', arguments));
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("gpgconf", ["--homedir", Home, "--kill", "all"]);
        Directory.Delete(Home, recursive: true);
    }
}
