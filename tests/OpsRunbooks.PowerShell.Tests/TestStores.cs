using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// A store the backup scenarios run against, seen from outside the module: how a session makes one, how an
/// environment file names it, and its objects, read and written directly (to age or resize a manifest).
/// Each kind of store the module supports gets an implementation and a row in <see cref="TestStores.Kinds"/>.
/// </summary>
public interface ITestStore : IDisposable
{
    string Kind { get; }

    /// <summary>A PowerShell expression that makes the store.</summary>
    string NewStoreExpression { get; }

    /// <summary>The value of Store in an environment file.</summary>
    string EnvironmentEntry { get; }

    /// <summary>Every object in the store, unfinished ones included.</summary>
    IReadOnlyList<string> ObjectNames();

    byte[] ReadBytes(string name);

    void WriteText(string name, string content);

    void WriteBytes(string name, byte[] content);

    string ReadText(string name) => System.Text.Encoding.UTF8.GetString(ReadBytes(name));
}

public static class TestStores
{
    public const string Local = "local";
    public const string S3 = "s3";

    /// <summary>The kinds of store every scenario runs against.</summary>
    public static TheoryData<string> Kinds => new() { Local, S3 };

    public static ITestStore Create(string kind, ServicesFixture services) => kind switch
    {
        Local => new LocalTestStore(),
        S3 => new S3TestStore(services.S3),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No such kind of test store."),
    };

    /// <summary>A string as a single-quoted PowerShell literal.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}

/// <summary>A store in a fresh temporary directory.</summary>
public sealed class LocalTestStore : ITestStore
{
    public string Path { get; } = Directory.CreateTempSubdirectory("opsrunbooks-store-").FullName;

    public string Kind => TestStores.Local;
    public string NewStoreExpression => "New-BackupStore -Path " + TestStores.Quote(Path);
    public string EnvironmentEntry => "@{ Path = " + TestStores.Quote(Path) + " }";

    public IReadOnlyList<string> ObjectNames() => Directory.Exists(Path)
        ? Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(Path, f).Replace('\\', '/')).Order().ToList()
        : [];

    public byte[] ReadBytes(string name) => File.ReadAllBytes(System.IO.Path.Combine(Path, name));

    public void WriteText(string name, string content) => File.WriteAllText(System.IO.Path.Combine(Path, name), content);

    public void WriteBytes(string name, byte[] content) => File.WriteAllBytes(System.IO.Path.Combine(Path, name), content);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
