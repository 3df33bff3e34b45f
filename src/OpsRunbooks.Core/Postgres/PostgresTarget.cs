using System.Net;

namespace OpsRunbooks.Postgres;

/// <summary>A database on a PostgreSQL server and the credential to reach it.</summary>
public sealed record PostgresTarget(string Host, int Port, string Database, NetworkCredential Credential)
{
    public override string ToString() => $"{Credential.UserName}@{Host}:{Port}/{Database}";
}
