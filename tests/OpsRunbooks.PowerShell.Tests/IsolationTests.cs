using System.Runtime.Loader;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.PowerShell.Tests;

/// <summary>
/// This test process has Npgsql 8 loaded in the default load context; the module ships Npgsql 9. The
/// module must load its own beside it and work, as it must beside any other module a user imports.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class IsolationTests(ServicesFixture services) : IDisposable
{
    private readonly BackupTestContext _context = new(services);

    [Fact]
    public async Task TheModuleUsesItsOwnNpgsqlBesideAnotherVersion()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = services.Postgres.Host, Port = services.Postgres.Port, Username = services.Postgres.User,
            Password = services.Postgres.Password, Database = services.Postgres.SeedDatabase,
        };
        await using (var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM orders", connection);
            Assert.Equal(120000L, await command.ExecuteScalarAsync());
        }
        Assert.Equal(8, typeof(Npgsql.NpgsqlConnection).Assembly.GetName().Version!.Major);

        var backup = _context.Session.Invoke(BackupTestContext.BackupSeed).EnsureSuccess().Backups().Single();
        Assert.Equal(120000, backup.TableRowCounts["public.orders"]);

        var moduleContext = AssemblyLoadContext.GetLoadContext(backup.Source.BaseObject.GetType().Assembly)!;
        Assert.NotSame(AssemblyLoadContext.Default, moduleContext);
        var moduleNpgsql = moduleContext.Assemblies.Single(a => a.GetName().Name == "Npgsql");
        Assert.Equal(9, moduleNpgsql.GetName().Version!.Major);
        Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, a => a.GetName().Name == "OpsRunbooks.Core");
    }

    public void Dispose() => _context.Dispose();
}
