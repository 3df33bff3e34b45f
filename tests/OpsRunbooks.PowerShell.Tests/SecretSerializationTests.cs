using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// No output object carries a secret: every type the module emits, made for real with an S3 secret key,
/// a PostgreSQL password and a key passphrase in play, is serialized the ways users serialize objects
/// (ConvertTo-Json, Export-Clixml) and searched for them.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class SecretSerializationTests(ServicesFixture services)
{
    [Fact]
    public async Task NoOutputTypeSerializesASecret()
    {
        var s3Secret = "s3-secret-" + Guid.NewGuid().ToString("N");
        var passphrase = "key-passphrase-" + Guid.NewGuid().ToString("N")[..12];
        await using var keys = await GpgKeyPair.CreateAsync("secrets", passphrase: passphrase);
        var s3 = new S3TestStore(services.S3);
        // s3rver checks the access key id only, so any secret key signs requests it accepts.
        Environment.SetEnvironmentVariable(S3TestStore.SecretVariable, s3Secret);
        var passphraseVariable = "OPSRUNBOOKS_TEST_PASSPHRASE_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(passphraseVariable, passphrase);
        using var environment = new TestEnvironment(services, storeEntry: s3.EnvironmentEntry);
        var file = Path.Combine(environment.Directory, "test.psd1");
        File.WriteAllText(file, File.ReadAllText(file)
            .Replace(services.Keys.PublicKeyPath, keys.PublicKeyPath, StringComparison.Ordinal)
            .Replace("Thresholds =", $"DecryptionKey = '{keys.PrivateKeyPath}'; DecryptionKeyPassphrase = 'env:{passphraseVariable}'\n    Thresholds =", StringComparison.Ordinal));
        using var context = new BackupTestContext(services, s3);
        var target = "secrets_restored_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            context.Session.Invoke("$store = " + s3.NewStoreExpression.Replace(TestStores.Quote(S3Service.SecretKey) + ")", TestStores.Quote(s3Secret) + ")", StringComparison.Ordinal))
                .EnsureSuccess();
            var serialized = context.Session.Invoke("""
                $environment = Get-OpsEnvironment -Name test -Path $args[0]
                $backup = Invoke-DatabaseBackup -Environment $environment -Store $store
                $record = Get-DatabaseBackup -Store $store | Select-Object -First 1
                $outputs = [ordered]@{
                    Store              = $store
                    BackupRecord       = $record
                    RetentionDecision  = $record | Get-BackupRetentionPlan -Daily 1 -Weekly 0 -Monthly 0 -KeepMinimum 1
                    BackupFreshness    = Test-BackupFreshness -Store $store
                    IntegrityReport    = Test-BackupIntegrity -Environment $environment -Confirm:$false
                    RestoreResult      = $record | Restore-DatabaseBackup -Environment $environment -TargetDatabase $args[1] -Confirm:$false
                    OpsEnvironment     = $environment
                    BackupStoreTest    = Test-BackupStore -Store $store -Confirm:$false
                }
                foreach ($name in $outputs.Keys) {
                    $value = $outputs[$name]
                    if ($null -eq $value) { throw "no $name was made" }
                    $clixml = Join-Path ([System.IO.Path]::GetTempPath()) ([guid]::NewGuid().ToString() + '.xml')
                    $value | Export-Clixml -Path $clixml -Depth 5
                    [pscustomobject]@{
                        Name   = $name
                        Type   = $value.GetType().FullName
                        Json   = $value | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue
                        Clixml = Get-Content -Raw $clixml
                    }
                    Remove-Item $clixml
                }
                """, environment.Directory, target).EnsureSuccess().Output;

            Assert.Equal(["Store", "BackupRecord", "RetentionDecision", "BackupFreshness", "IntegrityReport", "RestoreResult", "OpsEnvironment", "BackupStoreTest"],
                serialized.Select(o => o.Properties["Name"].Value.ToString()!));
            foreach (var output in serialized)
            {
                var name = output.Properties["Name"].Value.ToString()!;
                foreach (var form in new[] { "Json", "Clixml" })
                {
                    var text = output.Properties[form].Value.ToString()!;
                    Assert.True(text.Length > 100, $"{name} as {form} is almost empty: {text}");
                    foreach (var (secret, what) in new[] { (s3Secret, "S3 secret key"), (services.Postgres.Password, "PostgreSQL password"), (passphrase, "key passphrase") })
                        Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{name} ({output.Properties["Type"].Value}) as {form} contains the {what}.");
                }
            }
            Assert.Contains("S3RVER", serialized[0].Properties["Json"].Value.ToString()!, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(passphraseVariable, null);
            await services.Postgres.DropDatabaseAsync(target);
        }
    }
}
