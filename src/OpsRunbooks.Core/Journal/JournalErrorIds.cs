namespace OpsRunbooks.Journal;

/// <summary>The stable error ids of the operations log and notifications: the first part of a FullyQualifiedErrorId.</summary>
public static class JournalErrorIds
{
    /// <summary>An operation ended by a failure that carried no error id of its own (a defect).</summary>
    public const string OperationFailedUnexpectedly = "OperationFailedUnexpectedly";
    public const string JournalFileNotFound = "JournalFileNotFound";
    public const string JournalTableNotFound = "JournalTableNotFound";
    public const string JournalFileUnreadable = "JournalFileUnreadable";
    public const string JournalEntryMalformed = "JournalEntryMalformed";
    public const string JournalDatabaseServerUnknown = "JournalDatabaseServerUnknown";
    public const string JournalTableNameInvalid = "JournalTableNameInvalid";
    public const string NotificationChannelUnknown = "NotificationChannelUnknown";

    /// <summary>An entry a script asked Write-OperationLog for that cannot be recorded as given (a figure of no recordable type, an error id without a failure).</summary>
    public const string OperationLogEntryInvalid = "OperationLogEntryInvalid";
}
