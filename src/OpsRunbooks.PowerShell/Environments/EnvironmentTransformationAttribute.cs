using System.Management.Automation;
using OpsRunbooks.Environments;

namespace OpsRunbooks.PowerShell.Environments;

/// <summary>Lets -Environment take a name ("production") as well as an object from Get-OpsEnvironment.</summary>
public sealed class EnvironmentTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string name) return value;
        var current = engineIntrinsics.SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        try
        {
            return EnvironmentFile.Load(name, EnvironmentFile.DefaultDirectory(current));
        }
        catch (OpsException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}
