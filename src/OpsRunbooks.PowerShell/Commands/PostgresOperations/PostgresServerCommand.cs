using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Postgres;
using OpsRunbooks.PostgresOperations;
using OpsRunbooks.PowerShell.Environments;

namespace OpsRunbooks.PowerShell.Commands.PostgresOperations;

/// <summary>
/// Base of the cmdlets that act on one PostgreSQL server: it takes the server as -Server/-Port/-Credential or as
/// -Environment with -DatabaseServer (a DatabaseServers entry of the file; optional when the file has one) and
/// resolves it to a target. All but -Credential also bind from piped objects' properties of those names, so
/// the objects a cmdlet emits (which carry Environment, DatabaseServer, Server and Port) lead the next one to
/// the same server.
/// </summary>
public abstract class PostgresServerCommand : OpsCmdlet
{
    protected const string EnvironmentSet = "Environment";
    protected const string ServerSet = "Server";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EnvironmentSet, ValueFromPipelineByPropertyName = true)]
    [EnvironmentTransformation]
    [ArgumentCompleter(typeof(Completion.EnvironmentNameCompleter))]
    public OpsEnvironment? Environment { get; set; }

    [Parameter(Position = 1, ParameterSetName = EnvironmentSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.DatabaseServerNameCompleter))]
    public string? DatabaseServer { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = "";

    [Parameter(ParameterSetName = ServerSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = 5432;

    [Parameter(Mandatory = true, ParameterSetName = ServerSet)]
    [Credential]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>
    /// The server the cmdlet acts on, connecting to <paramref name="database"/> (by default the maintenance
    /// database 'postgres'); an unknown -DatabaseServer (or none of several) is a terminating error.
    /// </summary>
    protected PostgresTarget ResolveServer(string? database = null)
    {
        try
        {
            return Environment is null
                ? DatabaseServerResolver.FromServer(Server, Port, Credential.GetNetworkCredential(), database)
                : DatabaseServerResolver.FromEnvironment(Environment, ServerName, database);
        }
        catch (OpsException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>The DatabaseServers entry acted on: -DatabaseServer, else the environment's only one; null without -Environment.</summary>
    protected string? ServerName => Environment is null
        ? null
        : string.IsNullOrEmpty(DatabaseServer) ? DatabaseServerResolver.OnlyServer(Environment) : DatabaseServer;

    /// <summary>The server as results name it, so they lead the next cmdlet of a pipeline back to it.</summary>
    protected PostgresServerIdentity IdentityOf(PostgresTarget target) => PostgresServerIdentity.Of(target, Environment?.Name, ServerName);

    protected override OpsException? DescribeUnexpected(Exception e) => PostgresOperationsFailures.Describe(e);
}
