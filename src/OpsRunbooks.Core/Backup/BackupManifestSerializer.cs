using System.Text.Json;

namespace OpsRunbooks.Backup;

public static class BackupManifestSerializer
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static byte[] Serialize(BackupRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Options);

    /// <summary>Reads a manifest; a malformed one is an <see cref="OpsException"/> naming it.</summary>
    public static BackupRecord Deserialize(ReadOnlySpan<byte> json, string manifestName)
    {
        BackupRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<BackupRecord>(json, Options);
        }
        catch (JsonException e)
        {
            throw new OpsException(BackupErrorIds.ManifestMalformed, FailureKind.InvalidData, $"The manifest '{manifestName}' is not valid JSON: {e.Message}", manifestName, e);
        }
        if (record is null || string.IsNullOrEmpty(record.Id) || string.IsNullOrEmpty(record.ArtifactName) || string.IsNullOrEmpty(record.Sha256))
            throw new OpsException(BackupErrorIds.ManifestMalformed, FailureKind.InvalidData, $"The manifest '{manifestName}' lacks its id, artifact name or checksum.", manifestName);
        return record;
    }
}
