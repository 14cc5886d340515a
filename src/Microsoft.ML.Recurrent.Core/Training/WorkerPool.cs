namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// A fixed set of worker threads that run <c>body(item, worker)</c> for every item in [0, items) and wait for all of
/// them. Item i always runs on worker i mod Size (the calling thread is worker 0), so per-worker scratch stays warm.
/// Unlike Parallel.For it allocates nothing per call. Threads only choose where an item runs: every item writes its
/// own outputs, and callers combine them in item order, so results never depend on the number of workers.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done = new(1);
    private Action<int, int>? _body;
    private int _items;
    private Exception? _error;
    private volatile bool _stopping;

    public WorkerPool(int threads)
    {
        Size = Math.Max(1, threads);
        _threads = new Thread[Size - 1];
        _start = new SemaphoreSlim[Size - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"Recurrent worker {worker}" };
            _threads[i].Start();
        }
    }

    public int Size { get; }

    public void Run(int items, Action<int, int> body)
    {
        if (items <= 0) return;
        int workers = Math.Min(Size, items);
        _body = body; _items = items; _error = null;
        _done.Reset(workers);
        for (int w = 1; w < workers; w++) _start[w - 1].Release();
        Execute(0);
        _done.Wait();
        _body = null;
        if (_error is { } e) throw new AggregateException(e);
    }

    private void Loop(int worker)
    {
        while (true)
        {
            _start[worker - 1].Wait();
            if (_stopping) return;
            Execute(worker);
        }
    }

    private void Execute(int worker)
    {
        try
        {
            for (int item = worker; item < _items; item += Size) _body!(item, worker);
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
