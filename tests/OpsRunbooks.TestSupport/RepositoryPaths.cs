namespace OpsRunbooks.TestSupport;

public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OpsRunbooks.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"No OpsRunbooks.sln above {AppContext.BaseDirectory}.");
    }
}
