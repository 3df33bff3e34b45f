namespace OpsRunbooks;

/// <summary>
/// An IProgress that calls back on the reporting thread. Progress&lt;T&gt; would post to a captured
/// context, which a cmdlet thread does not have; OpsCmdlet.Post does the marshalling instead, and the
/// core uses it to relay one kind of progress as another.
/// </summary>
public sealed class ImmediateProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
