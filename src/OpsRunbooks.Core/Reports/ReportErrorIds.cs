namespace OpsRunbooks.Reports;

/// <summary>The stable error ids of restore evidence and the operations report.</summary>
public static class ReportErrorIds
{
    public const string ReportNotWritten = "ReportNotWritten";
}
