using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace OpsRunbooks.PowerShell;

/// <summary>
/// Loads OpsRunbooks.Core and its dependencies (Npgsql, BouncyCastle, ...) into an AssemblyLoadContext
/// of their own, so other modules in the same session may load other versions of them.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "dependencies");

    private static readonly DependencyLoadContext Dependencies = new(DependencyDirectory);

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveCore;

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= ResolveCore;

    /// <summary>Only the core is handed to the default context; everything else it needs stays in ours.</summary>
    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "OpsRunbooks.Core" ? Dependencies.LoadFromAssemblyName(name) : null;

    private sealed class DependencyLoadContext(string directory) : AssemblyLoadContext("OpsRunbooks")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
