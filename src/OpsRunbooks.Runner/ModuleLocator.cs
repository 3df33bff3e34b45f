namespace OpsRunbooks.Runner;

public static class ModuleLocator
{
    public const string Variable = "OPSRUNBOOKS_MODULE";
    private const string ManifestName = "OpsRunbooks.psd1";

    /// <summary>
    /// The module manifest: from $OPSRUNBOOKS_MODULE (a folder or a .psd1), else an OpsRunbooks folder
    /// beside the program, else out/OpsRunbooks above it (a build tree).
    /// </summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured)
        {
            var manifest = Directory.Exists(configured) ? Path.Combine(configured, ManifestName) : configured;
            return File.Exists(manifest) ? Path.GetFullPath(manifest)
                : throw new ArgumentException($"${Variable} is '{configured}', where there is no {ManifestName}.");
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(directory.FullName, "OpsRunbooks", ManifestName), Path.Combine(directory.FullName, "out", "OpsRunbooks", ManifestName) })
            {
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new ArgumentException($"The OpsRunbooks module was not found beside or above {AppContext.BaseDirectory}; set ${Variable}.");
    }
}
