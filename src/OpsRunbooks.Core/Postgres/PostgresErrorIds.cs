namespace OpsRunbooks.Postgres;

/// <summary>The stable error ids of PostgreSQL servers and their client programs (pg_dump, pg_restore).</summary>
public static class PostgresErrorIds
{
    public const string AuthenticationFailed = "AuthenticationFailed";
    public const string ConnectionFailed = "ConnectionFailed";
    public const string ConnectionLost = "ConnectionLost";
    public const string DatabaseAdministrationFailed = "DatabaseAdministrationFailed";
    public const string DatabaseNameTooLong = "DatabaseNameTooLong";
    public const string DatabaseNotFound = "DatabaseNotFound";
    public const string DumpArchiveUnreadable = "DumpArchiveUnreadable";
    public const string PgDumpFailed = "PgDumpFailed";
    public const string PgDumpNotFound = "PgDumpNotFound";
    public const string PgDumpTooOld = "PgDumpTooOld";
    public const string PgRestoreFailed = "PgRestoreFailed";
    public const string PgRestoreNotFound = "PgRestoreNotFound";
    public const string PgRestoreTooOld = "PgRestoreTooOld";
    public const string PostgresError = "PostgresError";
    public const string RowCountMismatch = "RowCountMismatch";
}
