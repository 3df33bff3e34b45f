using System.Diagnostics;
using OpsRunbooks.Postgres;
using OpsRunbooks.TestSupport;
using Xunit;

namespace OpsRunbooks.Core.Tests.Postgres;

[Collection(ServicesCollection.Name)]
public sealed class CustomArchiveCompressorTests(ServicesFixture services) : IAsyncLifetime
{
    // Every kind of data block and row the compressor must get right: a table without rows, rows with
    // escaped line feeds and a value that looks like COPY's end marker, partitions under a partitioned
    // table, a table long enough to take many compression chunks, and a large object.
    private const string Schema = """
        CREATE SCHEMA "odd schema";
        CREATE TABLE "odd schema"."empty table" (id int);
        CREATE TABLE public.notes (id int, body text);
        INSERT INTO public.notes VALUES (1, E'line one\nline two'), (2, '\.'), (3, E'tab\there');
        CREATE TABLE public.measurements (taken date, value int) PARTITION BY RANGE (taken);
        CREATE TABLE public.measurements_2024 PARTITION OF public.measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE public.measurements_2025 PARTITION OF public.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO public.measurements SELECT date '2024-01-01' + g, g FROM generate_series(0, 499) g;
        CREATE TABLE public.many AS SELECT g AS id, md5(g::text) || repeat('x', 100) AS filler FROM generate_series(1, 30000) g;
        SELECT lo_from_bytea(0, convert_to(repeat('large object ', 10000), 'UTF8'));
        """;

    private static readonly SortedDictionary<string, long> ExpectedRowCounts = new(StringComparer.Ordinal)
    {
        ["odd schema.empty table"] = 0,
        ["public.many"] = 30000,
        ["public.measurements_2024"] = 366,
        ["public.measurements_2025"] = 134,
        ["public.notes"] = 3,
    };

    private readonly string _database = "archive_compressor_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _directory = Directory.CreateTempSubdirectory("opsrunbooks-archive-").FullName;
    private PgTool _pgDump = null!;
    private PgTool _pgRestore = null!;

    public async Task InitializeAsync()
    {
        await services.Postgres.CreateDatabaseAsync(_database);
        await services.Postgres.QueryAsync(Schema, _database);
        _pgDump = await PgTool.LocateAsync("pg_dump", null, CancellationToken.None);
        _pgRestore = await PgTool.LocateAsync("pg_restore", null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await services.Postgres.DropDatabaseAsync(_database);
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheCompressedArchiveRestoresAsPgDumpsOwnAndCountsEveryTablesRows(bool dumpedToAFile)
    {
        // Dumped to a file, pg_dump records where each block starts; those offsets must not survive compression.
        var compressedPath = Path.Combine(_directory, "compressed.dump");
        SortedDictionary<string, long> rowCounts;
        await using (var compressed = File.Create(compressedPath))
        {
            if (dumpedToAFile)
            {
                var uncompressedPath = Path.Combine(_directory, "uncompressed.dump");
                await PgDumpAsync("--compress=0", "--file", uncompressedPath);
                await using var uncompressed = File.OpenRead(uncompressedPath);
                rowCounts = CustomArchiveCompressor.Compress(uncompressed, compressed, CancellationToken.None);
            }
            else
            {
                using var pgDump = StartPgDumpToPipe();
                rowCounts = CustomArchiveCompressor.Compress(pgDump.StandardOutput.BaseStream, compressed, CancellationToken.None);
                await pgDump.WaitForExitAsync();
                Assert.Equal(0, pgDump.ExitCode);
            }
        }
        Assert.Equal(ExpectedRowCounts, rowCounts);

        var pgDumpsOwnPath = Path.Combine(_directory, "default.dump");
        await PgDumpAsync("--file", pgDumpsOwnPath);
        Assert.Equal(await RestoreAsScriptAsync(pgDumpsOwnPath), await RestoreAsScriptAsync(compressedPath));
        Assert.Contains("Compression: -1", await ListAsync(compressedPath));
        // The rewrite compresses as well as pg_dump's default.
        Assert.InRange(new FileInfo(compressedPath).Length, 0, new FileInfo(pgDumpsOwnPath).Length * 11 / 10);
    }

    [Fact]
    public async Task AnArchiveThatStopsShortEndsTheStreamAndOneThatIsNotAnUncompressedArchiveIsRefused()
    {
        var uncompressedPath = Path.Combine(_directory, "uncompressed.dump");
        await PgDumpAsync("--compress=0", "--file", uncompressedPath);
        var archive = await File.ReadAllBytesAsync(uncompressedPath);

        Assert.Throws<EndOfStreamException>(() => Compress(archive[..(archive.Length * 2 / 3)]));
        Assert.Throws<EndOfStreamException>(() => Compress(archive[..3]));

        var notAnArchive = Assert.Throws<OpsException>(() => Compress("COPY public.notes FROM stdin;\n"u8.ToArray()));
        Assert.Equal(PostgresErrorIds.DumpArchiveUnreadable, notAnArchive.ErrorId);
        Assert.Contains("PGDMP", notAnArchive.Message);

        var compressedPath = Path.Combine(_directory, "default.dump");
        await PgDumpAsync("--file", compressedPath);
        var alreadyCompressed = Assert.Throws<OpsException>(() => Compress(File.ReadAllBytes(compressedPath)));
        Assert.Equal(PostgresErrorIds.DumpArchiveUnreadable, alreadyCompressed.ErrorId);
        Assert.Contains("already compressed", alreadyCompressed.Message);
    }

    private static SortedDictionary<string, long> Compress(byte[] archive) =>
        CustomArchiveCompressor.Compress(new MemoryStream(archive), Stream.Null, CancellationToken.None);

    private Process StartPgDumpToPipe()
    {
        var start = new ProcessStartInfo(_pgDump.Path) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--format=custom", "--compress=0", _database }) start.ArgumentList.Add(argument);
        foreach (var (name, value) in services.Postgres.ClientEnvironment(_database)) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    private async Task PgDumpAsync(params string[] options) =>
        (await ProcessRunner.RunAsync(_pgDump.Path, ["--format=custom", .. options, _database], services.Postgres.ClientEnvironment(_database)))
            .EnsureSuccess("pg_dump");

    /// <summary>The SQL pg_restore makes of an archive, without the random key of its \restrict lines.</summary>
    private async Task<string> RestoreAsScriptAsync(string archivePath)
    {
        var script = (await ProcessRunner.RunAsync(_pgRestore.Path, ["--file=-", archivePath])).EnsureSuccess("pg_restore").Output;
        return string.Join('\n', script.Split('\n').Where(line => !line.StartsWith("\\restrict") && !line.StartsWith("\\unrestrict")));
    }

    private async Task<string> ListAsync(string archivePath) =>
        (await ProcessRunner.RunAsync(_pgRestore.Path, ["--list", archivePath])).EnsureSuccess("pg_restore --list").Output;
}
