namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// A fixed set of worker threads that run <c>body(i)</c> for i in [0, count) and wait for all of them.
/// Unlike Parallel.For it allocates nothing per call, and work item i always goes to the same thread,
/// so per-thread workspaces stay warm. The calling thread runs item 0.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done = new(1);
    private Action<int>? _body;
    private int _count;
    private Exception? _error;
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        Size = Math.Max(1, threads);
        _threads = new Thread[Size - 1];
        _start = new SemaphoreSlim[Size - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int index = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"Recurrent worker {index}" };
            _threads[i].Start();
        }
    }

    public int Size { get; }

    public void Run(int count, Action<int> body)
    {
        if (count > Size) throw new ArgumentOutOfRangeException(nameof(count), count, $"At most {Size} work items.");
        _body = body; _count = count; _error = null;
        _done.Reset(count);
        for (int i = 1; i < count; i++) _start[i - 1].Release();
        Execute(0);
        _done.Wait();
        _body = null;
        if (_error is { } e) throw new AggregateException(e);
    }

    private void Loop(int index)
    {
        while (true)
        {
            _start[index - 1].Wait();
            if (_stopping) return;
            Execute(index);
        }
    }

    private void Execute(int index)
    {
        try
        {
            if (index < _count) _body!(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        finally
        {
            _done.Signal();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var s in _start) s.Release();
        foreach (var t in _threads) t.Join();
        foreach (var s in _start) s.Dispose();
        _done.Dispose();
    }
}
