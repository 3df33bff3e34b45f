using System.Collections;
using OpsRunbooks.Environments;
using Xunit;

namespace OpsRunbooks.Core.Tests.Environments;

public sealed class EnvironmentDefinitionReaderTests
{
    private const string Source = "/etc/opsrunbooks/environments/staging.psd1";

    private static Hashtable Server(string password = "env:STAGING_PGPASSWORD") => new()
    {
        ["Host"] = "db.staging", ["Port"] = 6432, ["User"] = "backup", ["Password"] = password,
    };

    private static Hashtable Minimal() => new()
    {
        ["DatabaseServers"] = new Hashtable { ["main"] = Server() },
        ["Databases"] = new object[] { new Hashtable { ["Name"] = "app" } },
        ["Store"] = new Hashtable { ["Path"] = "../backups" },
        ["EncryptionKey"] = "keys/backup.asc",
    };

    [Fact]
    public void ReadsServersDatabasesAndPathsRelativeToTheFile()
    {
        var environment = EnvironmentDefinitionReader.Read(Minimal(), Source, "staging");
        Assert.Equal("staging", environment.Name);
        var server = Assert.Single(environment.DatabaseServers);
        Assert.Equal(("main", "db.staging", 6432, "backup"), (server.Name, server.Host, server.Port, server.User));
        Assert.Equal("main", Assert.Single(environment.Databases).Server);
        Assert.Equal("/etc/opsrunbooks/backups", Assert.IsType<LocalStoreDefinition>(environment.Store).Path);
        Assert.Equal("/etc/opsrunbooks/environments/keys/backup.asc", environment.EncryptionKeyPath);
    }

    [Fact]
    public void ThePasswordIsResolvedOnlyWhenATargetIsWanted()
    {
        var variable = "OPSRUNBOOKS_CORE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var data = Minimal();
        ((Hashtable)((Hashtable)data["DatabaseServers"]!)["main"]!)["Password"] = "env:" + variable;
        var environment = EnvironmentDefinitionReader.Read(data, Source, "staging");

        var missing = Assert.Throws<OpsException>(() => environment.ResolveTarget("app"));
        Assert.Equal("EnvironmentReferenceMissing", missing.ErrorId);
        Assert.Contains("DatabaseServers.main.Password", missing.Message);

        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            var target = environment.ResolveTarget("app");
            Assert.Equal("s3cret", target.Credential.Password);
            Assert.DoesNotContain("s3cret", target.ToString());
            Assert.Equal("env:" + variable, environment.DatabaseServers[0].Password.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void PlainSettingsMayBeReferencesResolvedAtOnce()
    {
        var variable = "OPSRUNBOOKS_CORE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var data = Minimal();
        ((Hashtable)((Hashtable)data["DatabaseServers"]!)["main"]!)["Port"] = "env:" + variable;
        Environment.SetEnvironmentVariable(variable, "7432");
        try
        {
            Assert.Equal(7432, EnvironmentDefinitionReader.Read(data, Source, "staging").DatabaseServers[0].Port);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal("EnvironmentReferenceMissing", error.ErrorId);
    }

    [Fact]
    public void AnUnknownDatabaseNamesTheOnesListed()
    {
        var environment = EnvironmentDefinitionReader.Read(Minimal(), Source, "staging");
        var error = Assert.Throws<OpsException>(() => environment.ResolveTarget("billing"));
        Assert.Equal("DatabaseNotInEnvironment", error.ErrorId);
        Assert.Contains("app", error.Message);
    }

    [Theory]
    [InlineData("Password", "hunter2", "must be a reference")]
    [InlineData("Port", "0", "is not a TCP port")]
    [InlineData("Host", "", "is missing")]
    public void InvalidServerSettingsNameTheFileAndKey(string key, string value, string problem)
    {
        var data = Minimal();
        ((Hashtable)((Hashtable)data["DatabaseServers"]!)["main"]!)[key] = value;
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal("EnvironmentFileInvalid", error.ErrorId);
        Assert.Contains(Source, error.Message);
        Assert.Contains($"DatabaseServers.main.{key}", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void AnS3StoreKeepsItsSecretKeyAReference()
    {
        var variable = "OPSRUNBOOKS_CORE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var data = Minimal();
        data["Store"] = new Hashtable
        {
            ["S3Bucket"] = "backups", ["Prefix"] = "staging", ["Endpoint"] = "http://127.0.0.1:9000", ["Region"] = "eu-west-1",
            ["AccessKey"] = "AKIAEXAMPLE", ["SecretKey"] = "env:" + variable, ["StorageClass"] = "STANDARD_IA",
            ["PartSizeMB"] = 8, ["UploadConcurrency"] = 2, ["ChunkEncoding"] = false,
        };
        var store = Assert.IsType<S3StoreDefinition>(EnvironmentDefinitionReader.Read(data, Source, "staging").Store);
        Assert.Equal(("backups", "staging/", "http://127.0.0.1:9000", "eu-west-1"), (store.Options.Bucket, store.Options.KeyPrefix, store.Options.Endpoint, store.Options.Region));
        Assert.Equal((8L * 1024 * 1024, 2, false, "STANDARD_IA"), (store.Options.PartSize, store.Options.UploadConcurrency, store.Options.UseChunkEncoding, store.Options.StorageClass));
        Assert.Null(store.Options.Credential);

        Assert.Equal("EnvironmentReferenceMissing", Assert.Throws<OpsException>(() => store.Resolve()).ErrorId);
        Environment.SetEnvironmentVariable(variable, "secret-value");
        try
        {
            var credential = store.Resolve().Credential!;
            Assert.Equal("AKIAEXAMPLE", credential.AccessKeyId);
            Assert.Equal("secret-value", credential.ToAwsCredentials().GetCredentials().SecretKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("SecretKey", "plain-secret", "Store.SecretKey must be a reference")]
    [InlineData("PartSizeMB", 2, "Store.PartSizeMB")]
    [InlineData("ChunkEncoding", "no", "Store.ChunkEncoding must be $true or $false")]
    public void InvalidS3SettingsNameTheKey(string key, object value, string problem)
    {
        var data = Minimal();
        var store = new Hashtable { ["S3Bucket"] = "backups", ["AccessKey"] = "AKIA", ["SecretKey"] = "env:X" };
        store[key] = value;
        data["Store"] = store;
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal("EnvironmentFileInvalid", error.ErrorId);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain("plain-secret", error.Message);
    }

    [Fact]
    public void TheDecryptionKeyReferenceIsResolvedOnlyWhenAKeyIsLoaded()
    {
        var variable = "OPSRUNBOOKS_CORE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var data = Minimal();
        data["DecryptionKey"] = "env:" + variable;
        var environment = EnvironmentDefinitionReader.Read(data, Source, "staging");
        Assert.Equal("env:" + variable, environment.DecryptionKey);

        var missing = Assert.Throws<OpsException>(() => environment.LoadDecryptionKey());
        Assert.Equal("EnvironmentReferenceMissing", missing.ErrorId);
        Assert.Contains("DecryptionKey", missing.Message);

        Environment.SetEnvironmentVariable(variable, "keys/backup.sec.asc");
        try
        {
            var notFound = Assert.Throws<OpsException>(() => environment.LoadDecryptionKey());
            Assert.Equal("DecryptionKeyNotFound", notFound.ErrorId);
            Assert.Contains("/etc/opsrunbooks/environments/keys/backup.sec.asc", notFound.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void WithoutADecryptionKeyLoadingOneNamesTheFile()
    {
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(Minimal(), Source, "staging").LoadDecryptionKey());
        Assert.Equal("DecryptionKeyMissing", error.ErrorId);
        Assert.Contains(Source, error.Message);
    }

    [Fact]
    public void TheKeyPassphraseMustBeAReference()
    {
        var data = Minimal();
        data["DecryptionKeyPassphrase"] = "hunter2";
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal("EnvironmentFileInvalid", error.ErrorId);
        Assert.Contains("DecryptionKeyPassphrase", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void RestoreTestsRunOnTheNamedServerOrTheDatabasesOwn()
    {
        var data = Minimal();
        var password = "OPSRUNBOOKS_CORE_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var servers = (Hashtable)data["DatabaseServers"]!;
        servers["main"] = Server("env:" + password);
        servers["scratch"] = new Hashtable { ["Host"] = "restore.staging", ["User"] = "tester", ["Password"] = "env:" + password };
        ((Hashtable)((object[])data["Databases"]!)[0])["Server"] = "main";
        Environment.SetEnvironmentVariable(password, "pw");
        try
        {
            Assert.Equal("db.staging", EnvironmentDefinitionReader.Read(data, Source, "staging").ResolveRestoreTestTarget("app").Host);
            data["RestoreTestServer"] = "scratch";
            var target = EnvironmentDefinitionReader.Read(data, Source, "staging").ResolveRestoreTestTarget("app");
            Assert.Equal(("restore.staging", 5432, "tester", "app"), (target.Host, target.Port, target.Credential.UserName, target.Database));

            data["RestoreTestServer"] = "nosuch";
            var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
            Assert.Contains("RestoreTestServer", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(password, null);
        }
    }

    [Theory]
    [InlineData("Tresholds", "Tresholds", "Thresholds")]
    [InlineData("EncyptionKey", "EncyptionKey", "EncryptionKey")]
    [InlineData("Thresholds.RetentionDialy", "Thresholds.RetentionDialy", "RetentionDaily")]
    [InlineData("DatabaseServers.main.Passwrd", "DatabaseServers.main.Passwrd", "Password")]
    [InlineData("Databases.Sever", "Databases[0].Sever", "Server")]
    [InlineData("Store.Pth", "Store.Pth", "Path")]
    public void AMisspelledKeyAnywhereNamesItsPathAndTheNearestKnownKey(string where, string keyPath, string nearest)
    {
        var data = Minimal();
        data["Thresholds"] = new Hashtable { ["RetentionDaily"] = 7 };
        var parts = where.Split('.');
        var table = parts.Length == 1 ? data : parts[0] == "Databases"
            ? (Hashtable)((object[])data["Databases"]!)[0]
            : (Hashtable)data[parts[0]]!;
        if (parts.Length == 3) table = (Hashtable)table[parts[1]]!;
        table[parts[^1]] = parts[^1] == "Passwrd" ? "env:X" : "1";

        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal(EnvironmentErrorIds.EnvironmentKeyUnknown, error.ErrorId);
        Assert.Contains(Source, error.Message);
        Assert.Contains($"{keyPath} is not a known key; did you mean {nearest}?", error.Message);
    }

    [Fact]
    public void AKeyNothingResemblesListsTheKeysTheTableAccepts()
    {
        var data = Minimal();
        data["Thresholds"] = new Hashtable { ["Colour"] = "blue" };
        var error = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal(EnvironmentErrorIds.EnvironmentKeyUnknown, error.ErrorId);
        Assert.DoesNotContain("did you mean", error.Message);
        Assert.Contains("Thresholds accepts: BackupMaximumAge, SizeWarningPercent", error.Message);
    }

    [Fact]
    public void EachStoreDriverAcceptsOnlyItsOwnKeys()
    {
        var data = Minimal();
        data["Store"] = new Hashtable { ["Path"] = "../backups", ["Region"] = "eu-west-1" };
        var local = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal(EnvironmentErrorIds.EnvironmentKeyUnknown, local.ErrorId);
        Assert.Contains("Store.Region is not a known key", local.Message);
        Assert.Contains("Store (a local directory) accepts: Path.", local.Message);

        data["Store"] = new Hashtable { ["S3Bucket"] = "backups", ["Regoin"] = "eu-west-1" };
        Assert.Contains("Store.Regoin is not a known key; did you mean Region?",
            Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging")).Message);

        data["Store"] = new Hashtable { ["S3Bucket"] = "backups", ["Path"] = "../backups" };
        var both = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging"));
        Assert.Equal(OpsRunbooks.Storage.StorageErrorIds.StoreDefinitionAmbiguous, both.ErrorId);
        Assert.Contains("Store has both Path and S3Bucket", both.Message);

        data["Store"] = new Hashtable { ["Prefix"] = "staging" };
        Assert.Contains("Store needs Path (a local directory) or S3Bucket (an S3 bucket)",
            Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging")).Message);
    }

    [Fact]
    public void KeysAreNotCaseSensitive()
    {
        var data = new Hashtable
        {
            ["databaseservers"] = new Hashtable { ["main"] = new Hashtable { ["HOST"] = "db", ["user"] = "u", ["password"] = "env:X" } },
            ["DATABASES"] = new Hashtable { ["name"] = "app" },
            ["store"] = new Hashtable { ["path"] = "b" },
            ["thresholds"] = new Hashtable { ["retentiondaily"] = 3 },
        };
        var environment = EnvironmentDefinitionReader.Read(data, Source, "staging");
        Assert.Equal(("db", "app", 3), (environment.DatabaseServers[0].Host, environment.Databases[0].Name, environment.GetCountThreshold("RetentionDaily")));
    }

    /// <summary>An area's section as an area declares one: its key, the keys it accepts and the settings they make.</summary>
    private sealed class DrillSection : IEnvironmentSection
    {
        public string Key => "Drill";
        public IReadOnlyCollection<string> Keys { get; } = ["Interval", "Databases"];
        public object Read(SettingsTable section) => new DrillSettings(
            section.WholeNumber("Interval", 1, 365) ?? 30,
            section.ListOfTables("Databases", ["Name"]).Select(d => d.RequiredText("Name")).ToArray());
    }

    private sealed record DrillSettings(int Interval, IReadOnlyList<string> Databases);

    [Fact]
    public void AnAreasSectionIsReadIntoItsSettingsAndChecksItsKeys()
    {
        IReadOnlyList<IEnvironmentSection> sections = [new DrillSection()];
        Assert.Null(EnvironmentDefinitionReader.Read(Minimal(), Source, "staging", sections).GetSection<DrillSettings>());

        var data = Minimal();
        data["Drill"] = new Hashtable { ["Interval"] = 7, ["Databases"] = new object[] { new Hashtable { ["Name"] = "app" } } };
        var settings = EnvironmentDefinitionReader.Read(data, Source, "staging", sections).GetSection<DrillSettings>()!;
        Assert.Equal((7, "app"), (settings.Interval, Assert.Single(settings.Databases)));

        data["Drill"] = new Hashtable { ["Databases"] = new object[] { new Hashtable { ["Nmae"] = "app" } } };
        var unknown = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging", sections));
        Assert.Contains("Drill.Databases[0].Nmae is not a known key; did you mean Name?", unknown.Message);

        data["Drill"] = new Hashtable { ["Interval"] = "weekly" };
        var invalid = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging", sections));
        Assert.Equal(EnvironmentErrorIds.EnvironmentFileInvalid, invalid.ErrorId);
        Assert.Contains("Drill.Interval 'weekly' is not a whole number from 1 to 365", invalid.Message);

        var notRegistered = Assert.Throws<OpsException>(() => EnvironmentDefinitionReader.Read(data, Source, "staging", []));
        Assert.Contains("Drill is not a known key", notRegistered.Message);
    }
}
