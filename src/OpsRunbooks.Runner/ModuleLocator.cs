namespace OpsRunbooks.Runner;

/// <summary>
/// Finds what the runner needs beside or above the program, so that one search serves the build tree
/// (src/OpsRunbooks.Runner/bin/... under the repository) and the package (runner/ beside OpsRunbooks/
/// and runbooks/).
/// </summary>
public static class ModuleLocator
{
    public const string Variable = "OPSRUNBOOKS_MODULE";
    private const string ManifestName = "OpsRunbooks.psd1";

    /// <summary>
    /// The module manifest: from $OPSRUNBOOKS_MODULE (a folder or a .psd1), else an OpsRunbooks folder
    /// beside or above the program, else out/OpsRunbooks above it (a build tree).
    /// </summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured)
        {
            var manifest = Directory.Exists(configured) ? Path.Combine(configured, ManifestName) : configured;
            return File.Exists(manifest) ? Path.GetFullPath(manifest)
                : throw new ArgumentException($"${Variable} is '{configured}', where there is no {ManifestName}.");
        }
        foreach (var directory in ProgramAncestors())
        {
            foreach (var candidate in new[] { Path.Combine(directory, "OpsRunbooks", ManifestName), Path.Combine(directory, "out", "OpsRunbooks", ManifestName) })
            {
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new ArgumentException($"The OpsRunbooks module was not found beside or above {AppContext.BaseDirectory}; set ${Variable}.");
    }

    /// <summary>The runbooks folder beside or above the program (the repository's or the package's), if any.</summary>
    public static string? FindRunbooks() =>
        ProgramAncestors().Select(directory => Path.Combine(directory, "runbooks")).FirstOrDefault(Directory.Exists);

    private static IEnumerable<string> ProgramAncestors()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            yield return directory.FullName;
    }
}
