using System.Reflection;

namespace OpsRunbooks;

public static class ModuleInfo
{
    /// <summary>The version recorded in manifests, so a backup says which code made it.</summary>
    public static string Version { get; } =
        typeof(ModuleInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ModuleInfo).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";
}
