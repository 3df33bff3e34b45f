namespace OpsRunbooks.TestSupport;

/// <summary>
/// A throwaway PostgreSQL cluster on 127.0.0.1, started by tests/services/postgres.sh with seeded data: Debian's
/// 15 by default, or 16, 17 or 18 from npm (see tests/services/install.sh).
/// Starting fails loudly when the server cannot run: tests that need it must not pass without it.
/// </summary>
public sealed class PostgresService : IAsyncDisposable
{
    private readonly string _directory;

    private PostgresService(string directory, int majorVersion, IReadOnlyDictionary<string, string> settings)
    {
        _directory = directory;
        MajorVersion = majorVersion;
        Host = settings["PGHOST"];
        Port = int.Parse(settings["PGPORT"]);
        User = settings["PGUSER"];
        Password = settings["PGPASSWORD"];
        SeedDatabase = settings["PGDATABASE"];
    }

    public string Host { get; }
    public int Port { get; }
    public string User { get; }
    public string Password { get; }
    public string SeedDatabase { get; }
    public int MajorVersion { get; }

    public static string Script => RepositoryPaths.Combine("tests", "services", "postgres.sh");

    /// <param name="majorVersion">15 (Debian's), 16, 17 or 18.</param>
    /// <param name="statStatements">Load pg_stat_statements (shared_preload_libraries); CREATE EXTENSION stays the test's.</param>
    public static async Task<PostgresService> StartAsync(int majorVersion = 15, bool statStatements = false)
    {
        var directory = Directory.CreateTempSubdirectory("opsrunbooks-pg-").FullName;
        string[] arguments = [Script, "start", directory, "--version", majorVersion.ToString(), .. statStatements ? new[] { "--stat-statements" } : []];
        var result = await ProcessRunner.RunAsync("bash", arguments, timeout: TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"PostgreSQL {majorVersion} for the tests did not start (exit {result.ExitCode}). Run tests/services/install.sh first.\n{result.Error}");
        var settings = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        return new PostgresService(directory, majorVersion, settings);
    }

    /// <summary>Variables that point libpq programs (psql, pg_restore) at this server.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment(string? database = null) => new Dictionary<string, string>
    {
        ["PGHOST"] = Host,
        ["PGPORT"] = Port.ToString(),
        ["PGUSER"] = User,
        ["PGPASSWORD"] = Password,
        ["PGDATABASE"] = database ?? SeedDatabase,
    };

    /// <summary>Runs SQL through psql and returns its unaligned, tuples-only output.</summary>
    public async Task<string> QueryAsync(string sql, string? database = null)
    {
        var result = await ProcessRunner.RunAsync("psql", ["--no-psqlrc", "--set=ON_ERROR_STOP=1", "--tuples-only", "--no-align", "--command", sql],
            ClientEnvironment(database));
        return result.EnsureSuccess($"psql {sql}").Output.Trim();
    }

    /// <summary>Creates a database and fills it as the seed database is filled (tests/services/seed.sql).</summary>
    public async Task SeedAsync(string database)
    {
        var result = await ProcessRunner.RunAsync("bash", [Script, "seed", _directory, database], timeout: TimeSpan.FromMinutes(2));
        result.EnsureSuccess($"postgres.sh seed {database}");
    }

    public Task CreateDatabaseAsync(string name) => QueryAsync($"CREATE DATABASE \"{name}\"", "postgres");

    public Task DropDatabaseAsync(string name) => QueryAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", "postgres");

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [Script, "stop", _directory], timeout: TimeSpan.FromMinutes(1));
        Directory.Delete(_directory, recursive: true);
    }
}
