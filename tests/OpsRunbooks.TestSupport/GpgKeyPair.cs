namespace OpsRunbooks.TestSupport;

/// <summary>
/// An OpenPGP key pair made by the real gpg in a throwaway home directory, so tests check that what
/// the module encrypts is what gpg decrypts.
/// </summary>
public sealed class GpgKeyPair : IAsyncDisposable
{
    private GpgKeyPair(string home, string publicKeyPath, string privateKeyPath)
    {
        Home = home;
        PublicKeyPath = publicKeyPath;
        PrivateKeyPath = privateKeyPath;
    }

    public string Home { get; }
    public string PublicKeyPath { get; }

    /// <summary>The secret key, exported armored and unprotected (a test key).</summary>
    public string PrivateKeyPath { get; }

    /// <param name="signingAlgorithm">gpg's name of the primary key's algorithm, e.g. rsa3072 or ed25519.</param>
    /// <param name="encryptionAlgorithm">gpg's name of the encryption subkey's algorithm, e.g. rsa3072 or cv25519.</param>
    public static async Task<GpgKeyPair> CreateAsync(string name, string signingAlgorithm = "rsa3072", string encryptionAlgorithm = "rsa3072")
    {
        var home = Directory.CreateTempSubdirectory("opsrunbooks-gpg-").FullName;
        var uid = $"{name} <{name}@opsrunbooks.test>";
        await GpgAsync(home, "--passphrase", "", "--quick-generate-key", uid, signingAlgorithm, "sign", "never");
        var fingerprint = (await GpgAsync(home, "--with-colons", "--list-keys", uid)).Output
            .Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
        await GpgAsync(home, "--passphrase", "", "--quick-add-key", fingerprint, encryptionAlgorithm, "encr", "never");
        var publicKey = Path.Combine(home, "public.asc");
        var privateKey = Path.Combine(home, "private.asc");
        await File.WriteAllTextAsync(publicKey, (await GpgAsync(home, "--armor", "--export", fingerprint)).Output);
        await File.WriteAllTextAsync(privateKey, (await GpgAsync(home, "--armor", "--export-secret-keys", fingerprint)).Output);
        return new GpgKeyPair(home, publicKey, privateKey);
    }

    /// <summary>Decrypts a file with `gpg --decrypt`, failing on anything gpg does not accept.</summary>
    public async Task DecryptAsync(string encryptedPath, string outputPath)
    {
        await GpgAsync(Home, "--output", outputPath, "--decrypt", encryptedPath);
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
