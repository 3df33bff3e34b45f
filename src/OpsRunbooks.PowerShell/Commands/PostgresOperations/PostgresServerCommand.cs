using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;
using OpsRunbooks.PostgresOperations;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>
/// Base of the cmdlets that act on one PostgreSQL server: it takes the server as -Server/-Port/-Credential or as
/// -Environment with -DatabaseServer (a DatabaseServers entry of the file) and resolves it to a target.
/// </summary>
public abstract class PostgresServerCommand : OpsCmdlet
{
    protected const string EnvironmentSet = "Environment";
    protected const string ServerSet = "Server";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EnvironmentSet)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = EnvironmentSet)]
    [ArgumentCompleter(typeof(Completion.DatabaseServerNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string DatabaseServer { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>
    /// The server the cmdlet acts on, connecting to <paramref name="database"/> (by default the maintenance
    /// database 'postgres'); an unknown -DatabaseServer is a terminating DatabaseServerNotInEnvironment.
    /// </summary>
    protected PostgresTarget ResolveServer(string? database = null)
    {
        try
        {
            return Environment is null
                ? DatabaseServerResolver.FromServer(Server, Port, Credential.GetNetworkCredential(), database)
                : DatabaseServerResolver.FromEnvironment(Environment, DatabaseServer, database);
        }
        catch (OpsException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    protected override OpsException? DescribeUnexpected(Exception e) => PostgresOperationsFailures.Describe(e);
}
