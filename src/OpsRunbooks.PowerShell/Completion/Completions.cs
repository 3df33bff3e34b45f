using System.Management.Automation;

namespace OpsRunbooks.PowerShell.Completion;

/// <summary>What the completers share: matching the word being completed, quoting, and paths of the completing session.</summary>
internal static class Completions
{
    /// <summary>The candidates that start with the word typed so far (wildcards allowed), quoted where PowerShell needs it.</summary>
    public static IEnumerable<CompletionResult> Matching(string wordToComplete, IEnumerable<(string Text, string ToolTip)> candidates)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return candidates.Where(c => pattern.IsMatch(c.Text))
            .OrderBy(c => c.Text, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c.Text), c.Text, CompletionResultType.ParameterValue, c.ToolTip));
    }

    private static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.') ? text : "'" + text.Replace("'", "''") + "'";

    /// <summary>
    /// A path as the completing session resolves it (relative to its current location, ~ and drives included).
    /// Completers run on the session's pipeline thread, where a script block runs in that session.
    /// </summary>
    public static string ProviderPath(string path) =>
        (string)ScriptBlock.Create("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])")
            .Invoke(path).Single().BaseObject;
}
