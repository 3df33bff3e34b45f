using System.Collections;
using System.Globalization;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace OpsRunbooks.Runner;

/// <summary>
/// What a person reads the next morning about one run: the script, its parameters with every secret
/// masked, when it started, how long it took, how it ended and how much it wrote.
/// </summary>
public sealed partial class RunSummary
{
    public const string Mask = "*****";

    public required string RunId { get; init; }
    public required string Script { get; init; }
    public string? Environment { get; init; }
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required DateTime StartedUtc { get; init; }
    public TimeSpan Duration { get; set; }
    public int ExitCode { get; set; }
    public int Objects { get; set; }
    public int Errors { get; private set; }
    public int Warnings { get; set; }

    /// <summary>The first error's id and message: what a failed run's entry reports.</summary>
    public (string Id, string Message)? FirstError { get; set; }

    /// <summary>What stopped the run, when a signal or the timeout did.</summary>
    public string? StopMessage { get; set; }

    public void NoteError(string fullyQualifiedErrorId, string message)
    {
        Errors++;
        FirstError ??= (fullyQualifiedErrorId.Split(',')[0], message);
    }

    public string Outcome => ExitCode switch
    {
        ExitCodes.Success => "Succeeded",
        ExitCodes.Locked => "Locked",
        ExitCodes.TimedOut => "TimedOut",
        ExitCodes.Interrupted or ExitCodes.Terminated => "Interrupted",
        _ => "Failed",
    };

    /// <summary>
    /// The command-line parameters as given, except the values of secrets: parameters the script declares
    /// as SecureString or PSCredential (or with [Credential()]), and any whose name says password, secret,
    /// key, token or credential.
    /// </summary>
    public static IReadOnlyDictionary<string, string> MaskSecrets(string scriptPath, Hashtable parameters)
    {
        var secretTyped = SecretTypedParameters(scriptPath);
        var masked = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry parameter in parameters)
        {
            var name = (string)parameter.Key;
            masked[name] = parameter.Value is bool flag ? (flag ? "$true" : "$false")
                : secretTyped.Contains(name) || SecretName().IsMatch(name) ? Mask
                : Convert.ToString(parameter.Value, CultureInfo.InvariantCulture) ?? "";
        }
        return masked;
    }

    private static HashSet<string> SecretTypedParameters(string scriptPath)
    {
        var script = Parser.ParseFile(scriptPath, out _, out _);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in script.ParamBlock?.Parameters ?? [])
        {
            var typeNames = parameter.Attributes.Select(attribute => attribute.TypeName.Name);
            if (typeNames.Any(type => SecretType().IsMatch(type)))
                names.Add(parameter.Name.VariablePath.UserPath);
        }
        return names;
    }

    [GeneratedRegex(@"password|passwd|passphrase|secret|key|token|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(^|\.)(SecureString|PSCredential|Credential)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretType();

    /// <summary>The script and its parameters as a command line, secrets masked.</summary>
    public string CommandLine =>
        string.Join(' ', Parameters.Select(p => p.Value == "$true" ? $"-{p.Key}" : p.Value == "$false" ? $"-{p.Key}:$false" : $"-{p.Key} {Quote(p.Value)}").Prepend(Script));

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => !char.IsWhiteSpace(c) && c is not '\'' and not '"') ? value : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The run as an operations-log entry's outcome, figures, error id and message: a run stopped by a signal or
    /// the timeout is Cancelled, one that could not take the lock Failed (RunbookLocked), as is any other non-zero exit.
    /// </summary>
    public (string Outcome, System.Collections.Specialized.OrderedDictionary Figures, string? ErrorId, string Message) ToEntry(TimeSpan elapsed)
    {
        var figures = new System.Collections.Specialized.OrderedDictionary
        {
            ["CommandLine"] = CommandLine,
            ["ExitCode"] = ExitCode,
            ["RunOutcome"] = Outcome,
            ["Objects"] = Objects,
            ["Errors"] = Errors,
            ["Warnings"] = Warnings,
            ["DurationSeconds"] = elapsed,
        };
        var counts = $"{Count(Objects, "object")}, {Count(Errors, "error")}, {Count(Warnings, "warning")}";
        return Outcome switch
        {
            "Succeeded" => ("Succeeded", figures, null, counts + "."),
            "TimedOut" or "Interrupted" => ("Cancelled", figures, null, $"{StopMessage} {counts}."),
            _ => ("Failed", figures, FirstError?.Id ?? "RunbookFailed",
                FirstError is { } error ? Shorten(error.Message) : $"Exited with {ExitCode}; {counts}."),
        };
    }

    private static string Shorten(string message) => message.Length <= 500 ? message : message[..497] + "...";

    /// <summary>Two lines for the end of the run's log.</summary>
    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"opsrunbook: run {RunId}: {CommandLine}\n" +
        $"opsrunbook: {Outcome} (exit code {ExitCode}) after {(int)Duration.TotalHours:00}:{Duration.Minutes:00}:{Duration.Seconds:00}.{Duration.Milliseconds / 100}, started {StartedUtc:yyyy-MM-dd HH:mm:ss}Z; " +
        $"{Count(Objects, "object")}, {Count(Errors, "error")}, {Count(Warnings, "warning")}");

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
