using System.Collections.Concurrent;
using System.Management.Automation;
using OpsRunbooks.Environments;
using OpsRunbooks.Journal;

namespace OpsRunbooks.PowerShell;

/// <summary>
/// Base of every OpsRunbooks cmdlet: runs core work off the pipeline thread with a token that Ctrl+C
/// (StopProcessing) cancels, while progress and messages the work posts are written from the pipeline
/// thread, where PowerShell requires them; turns expected failures into ErrorRecords.
/// </summary>
public abstract class OpsCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly BlockingCollection<Action> _pipelineActions = new();
    // Typed object, not OperationRecording: no field of the base of every cmdlet may need OpsRunbooks.Core when
    // PowerShell loads the cmdlet types at import, before ModuleInitializer can resolve it.
    private readonly List<object> _operations = [];
    private int _pipelineThread;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Queues an action (progress, verbose, warning) to run on the pipeline thread; safe from any thread.</summary>
    protected void Post(Action action) => _pipelineActions.Add(action);

    /// <summary>
    /// Queues a warning. Once the pipeline is stopping it no longer takes records, so a warning from the
    /// cleanup (an upload the server would not abort, a scratch database left) goes straight to the host.
    /// </summary>
    protected void PostWarning(string message) => Post(() =>
    {
        if (_stopping.IsCancellationRequested) Host.UI.WriteWarningLine(message);
        else WriteWarning(message);
    });

    /// <summary>Runs core work and returns its result; pumps posted actions until it finishes.</summary>
    protected T Run<T>(Func<CancellationToken, Task<T>> work)
    {
        var task = Task.Run(() => work(_stopping.Token));
        task.ContinueWith(_ => WakePump(), TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            if (_pipelineActions.TryTake(out var action, millisecondsTimeout: 100))
                RunPosted(action);
        }
        while (_pipelineActions.TryTake(out var remaining))
            RunPosted(remaining);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// An empty action wakes the pump the moment the work ends, instead of at its next poll. The cmdlet may have
    /// drained the queue and been disposed by the time this runs: then there is nothing left to wake.
    /// </summary>
    private void WakePump()
    {
        try
        {
            _pipelineActions.Add(() => { });
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Once Ctrl+C stops the pipeline, writing to it throws. The work still runs to its end, because its
    /// cleanup (killing processes, dropping scratch databases) must finish before the cmdlet returns; what it
    /// posts to the pipeline meanwhile is dropped (warnings reach the host: see PostWarning).
    /// </summary>
    private void RunPosted(Action action)
    {
        try
        {
            action();
        }
        catch (PipelineStoppedException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Core results as they arrive, awaited on the pipeline thread with the token Ctrl+C cancels, so the pipeline
    /// takes each at once and a downstream Select-Object -First ends the reading. Only for work that posts
    /// nothing: no pump runs meanwhile.
    /// </summary>
    protected IEnumerable<T> Stream<T>(Func<CancellationToken, IAsyncEnumerable<T>> work)
    {
        var results = work(_stopping.Token).GetAsyncEnumerator(_stopping.Token);
        try
        {
            while (results.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                yield return results.Current;
        }
        finally
        {
            results.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    protected void Run(Func<CancellationToken, Task> work) =>
        Run<bool>(async token =>
        {
            await work(token).ConfigureAwait(false);
            return true;
        });

    /// <summary>
    /// Runs one unit of work and reports an expected failure as a non-terminating error, so the
    /// pipeline goes on with the next input. Cancellation by Ctrl+C ends quietly: the engine stops the pipeline.
    /// </summary>
    protected bool TryRun(Action body)
    {
        try
        {
            body();
            return true;
        }
        catch (Exception e) when (NoteOperationFailure(e))
        {
            throw; // never reached: the filter only notes the failure
        }
        catch (OpsException e)
        {
            WriteError(ErrorRecords.From(e));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception e) when (DescribeUnexpected(e) is { } described)
        {
            WriteError(ErrorRecords.From(described));
        }
        return false;
    }

    /// <summary>
    /// An I/O or network failure the core did not expect, as an error with a stable id of the cmdlet's area, so
    /// that no .NET type name becomes an error id; null for anything else, which is a defect and left to surface.
    /// </summary>
    protected virtual OpsException? DescribeUnexpected(Exception e) => null;

    /// <summary>
    /// Starts recording a state-changing operation in the operations log of <paramref name="environment"/> (the
    /// default log when null). Call it after ShouldProcess agreed, so -WhatIf records nothing, in a
    /// <c>using var</c> inside TryRun, and end it with Succeeded(figures): a failure TryRun reports is recorded
    /// with its error id, Ctrl+C as Cancelled. Warnings of sinks that are down reach the pipeline.
    /// </summary>
    protected OperationRecording BeginOperation(string operation, string target, OpsEnvironment? environment)
    {
        _pipelineThread = System.Environment.CurrentManagedThreadId;
        _operations.RemoveAll(open => ((OperationRecording)open).Entry is not null);
        var recording = new OperationJournal(environment, WarnFromAnyThread).Begin(operation, target);
        _operations.Add(recording);
        return recording;
    }

    /// <summary>
    /// Runs as an exception filter, before the failing body's using blocks dispose their recordings, so each
    /// recording still open learns the failure (and its error id) that ends it. Never catches.
    /// </summary>
    private bool NoteOperationFailure(Exception e)
    {
        _operations.RemoveAll(open => ((OperationRecording)open).Entry is not null);
        if (_operations.Count == 0) return false;
        var failure = e is OperationCanceledException || e is OpsException ? e : DescribeUnexpected(e) ?? e;
        foreach (OperationRecording recording in _operations)
            recording.NoteFailure(failure);
        return false;
    }

    private void WarnFromAnyThread(string message)
    {
        if (System.Environment.CurrentManagedThreadId != _pipelineThread) PostWarning(message);
        else if (_stopping.IsCancellationRequested) Host.UI.WriteWarningLine(message);
        else WriteWarning(message);
    }

    public void Dispose()
    {
        _pipelineActions.Dispose();
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
