using System.Net;
using System.Security;
using OpsRunbooks.Backup;
using OpsRunbooks.Encryption;
using OpsRunbooks.Environments;
using OpsRunbooks.PowerShell.Environments;
using OpsRunbooks.Storage;

namespace OpsRunbooks.PowerShell.Commands.Backup;

/// <summary>
/// Base of the backup and verification cmdlets: what they share beyond <see cref="OpsCmdlet"/> (listing a
/// store, keys and paths given as parameters) and the ids their unexpected I/O and network failures get.
/// </summary>
public abstract class BackupCommand : OpsCmdlet
{
    private readonly Dictionary<string, (OpsEnvironment?, OpsException?)> _namedEnvironments = new(StringComparer.Ordinal);

    /// <summary>
    /// The environment a backup record names, looked up as -Environment's names are, once per name; its failure to
    /// load is returned rather than thrown, for the caller to decide whether it matters.
    /// </summary>
    protected (OpsEnvironment? Environment, OpsException? Failure) LoadNamedEnvironment(string name)
    {
        if (!_namedEnvironments.TryGetValue(name, out var named))
        {
            try
            {
                named = (EnvironmentFile.Load(name, EnvironmentFile.DefaultDirectory(SessionState.Path.CurrentFileSystemLocation.ProviderPath)), null);
            }
            catch (OpsException e)
            {
                named = (null, e);
            }
            _namedEnvironments[name] = named;
        }
        return named;
    }

    /// <summary>The backups of a store, newest first; a manifest that cannot be read is reported as an error and left out.</summary>
    protected IReadOnlyList<BackupRecord> ListBackups(IBackupStore store, string? database, int? newest = null) =>
        Run(token => BackupCatalog.ListAsync(store, database, newest, unreadable => Post(() => WriteError(ErrorRecords.From(unreadable))), token));

    /// <summary>A path given as a parameter, relative to the current location; null stays null.</summary>
    protected string? ResolveOptionalPath(string? path) => path is null ? null : GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>The secret key file of -DecryptionKey, unlocked with -Passphrase when one is given.</summary>
    protected OpenPgpPrivateKey LoadDecryptionKey(string path, SecureString? passphrase) =>
        OpenPgpPrivateKey.Load(GetUnresolvedProviderPathFromPSPath(path),
            passphrase is null ? [] : new NetworkCredential(string.Empty, passphrase).Password.ToCharArray());

    protected override OpsException? DescribeUnexpected(Exception e) => BackupFailures.Describe(e);
}
