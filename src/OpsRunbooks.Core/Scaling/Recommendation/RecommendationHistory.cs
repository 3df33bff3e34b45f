using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsRunbooks.Scaling.Recommendation;

/// <summary>
/// The recommendations of the scale-down stabilisation window, one small JSON file per environment and target.
/// Two runs at once take turns through a lock file, and the file is replaced by renaming a complete new one, so it
/// is never seen half-written.
/// </summary>
public sealed class RecommendationHistory
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public RecommendationHistory(string directory, string environment, string target)
    {
        Path = System.IO.Path.Combine(directory, SafeName(environment), SafeName(target) + ".json");
    }

    /// <summary>The state file.</summary>
    public string Path { get; }

    /// <summary>
    /// The directory state files go to when none is given: $OPSRUNBOOKS_STATE_DIR, else $XDG_STATE_HOME/opsrunbooks,
    /// else ~/.local/state/opsrunbooks; each under scaling/.
    /// </summary>
    public static string DefaultDirectory()
    {
        var root = System.Environment.GetEnvironmentVariable("OPSRUNBOOKS_STATE_DIR") is { Length: > 0 } explicitRoot ? explicitRoot
            : System.Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? System.IO.Path.Combine(xdg, "opsrunbooks")
            : System.IO.Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".local", "state", "opsrunbooks");
        return System.IO.Path.Combine(root, "scaling");
    }

    /// <summary>
    /// Under the lock: reads the window's recommendations, lets <paramref name="decide"/> make the new one from them,
    /// and stores it with those still inside <paramref name="window"/>. Nothing is stored when <paramref name="decide"/> fails.
    /// </summary>
    public async Task<T> UpdateAsync<T>(TimeSpan window, DateTimeOffset now, Func<IReadOnlyList<PastRecommendation>, (T Result, int Remember)> decide,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        var history = Read();
        var (result, remember) = decide(history);
        var kept = history.Where(h => h.At > now - window).Append(new PastRecommendation(now, remember)).OrderBy(h => h.At).ToArray();
        Write(kept);
        return result;
    }

    /// <summary>The recommendations the file holds, oldest first; none when there is no file yet.</summary>
    public IReadOnlyList<PastRecommendation> Read()
    {
        if (!File.Exists(Path)) return [];
        try
        {
            var state = JsonSerializer.Deserialize<StateFile>(File.ReadAllText(Path), Json);
            if (state?.Recommendations is not { } entries || state.Version != 1) throw new JsonException("no version 1 recommendations list");
            return entries.Select(e => new PastRecommendation(e.At, e.Count)).ToArray();
        }
        catch (JsonException e)
        {
            throw new OpsException(ScalingErrorIds.RecommendationStateInvalid, FailureKind.InvalidData,
                $"The scaling state file {Path} is not what this module writes ({e.Message}). Delete it: the next run starts a new " +
                "stabilisation window (and so will not scale down before it has passed).", Path, e);
        }
    }

    private void Write(IReadOnlyList<PastRecommendation> entries)
    {
        var state = new StateFile(1, entries.Select(e => new StateEntry(e.At, e.Count)).ToArray());
        var temporary = $"{Path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temporary, JsonSerializer.Serialize(state, Json), new UTF8Encoding(false));
            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // The lock is a file held open without sharing: the OS releases it when a run dies, so no stale lock outlives it.
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new OpsException(ScalingErrorIds.RecommendationStateBusy, FailureKind.ResourceBusy,
                    $"Another run has held the scaling state {Path} for {LockWait.TotalSeconds:0} s. Check for a hung run of the scaling runbook, then try again.",
                    Path, e);
            }
        }
    }

    private static string SafeName(string name)
    {
        var safe = new StringBuilder();
        foreach (var c in name)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || c == '.' && safe.Length > 0 ? c : '_');
        return safe.Length == 0 ? "_" : safe.ToString();
    }

    private sealed record StateFile(int Version, StateEntry[] Recommendations);

    private sealed record StateEntry([property: JsonPropertyName("at")] DateTimeOffset At, [property: JsonPropertyName("count")] int Count);
}
