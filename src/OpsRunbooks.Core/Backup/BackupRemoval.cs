using OpsRunbooks.Storage;

namespace OpsRunbooks.Backup;

/// <summary>
/// Removes a backup from its store: the manifest first, then the artifact. The manifest is the commit
/// point, so an interrupted removal leaves at worst an unlisted artifact, never a listed backup without
/// its data.
/// </summary>
public static class BackupRemoval
{
    public static async Task RemoveAsync(BackupRecord backup, CancellationToken cancellationToken)
    {
        var store = backup.RequireStore();
        CheckNames(backup);
        try
        {
            await store.DeleteAsync(backup.ManifestName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OpsException or OperationCanceledException))
        {
            throw Failed(backup, store, $"its manifest could not be deleted ({e.Message}); it is still listed and nothing was removed", e);
        }
        try
        {
            // Once the manifest is gone the backup no longer exists; finish the removal even if asked to stop.
            await store.DeleteAsync(backup.ArtifactName, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OpsException)
        {
            throw Failed(backup, store, $"its manifest is deleted, so it is no longer listed, but the artifact '{backup.ArtifactName}' "
                + $"could not be ({e.Message}); delete it by hand", e);
        }
    }

    private static OpsException Failed(BackupRecord backup, IBackupStore store, string what, Exception inner) =>
        new("BackupRemovalFailed", FailureKind.OperationFailed, $"Removing the backup '{backup.Id}' from {store.Location} failed: {what}.", backup, inner);

    /// <summary>Refuses names a manifest could not have been written with, so a damaged one never deletes another database's objects.</summary>
    private static void CheckNames(BackupRecord backup)
    {
        if (!BackupNaming.IsInFolderOf(backup.ManifestName, backup.Database, BackupNaming.ManifestSuffix)
            || !BackupNaming.IsInFolderOf(backup.ArtifactName, backup.Database, BackupNaming.ArtifactSuffix))
            throw new OpsException("BackupNamesInvalid", FailureKind.InvalidData,
                $"The backup '{backup.Id}' names its manifest '{backup.ManifestName}' and artifact '{backup.ArtifactName}', "
                + $"which are not a manifest and an artifact in the folder of database '{backup.Database}'; nothing was removed.", backup);
    }
}
