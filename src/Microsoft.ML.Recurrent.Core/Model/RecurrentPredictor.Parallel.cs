using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The many-sequence path on several threads. The decomposition is fixed: block b is sequences
/// [b·BatchSize, (b+1)·BatchSize), packed and run forward alone (<see cref="ForwardChunk"/>), exactly as the one-thread
/// loop runs it; threads only choose where a block runs, so results never depend on <see cref="NumberOfThreads"/>.
/// </summary>
public sealed partial class RecurrentPredictor
{
    private enum SourceKind { Tokens, Features, Dataset }

    // One call at a time holds the workers and the buffers below; a concurrent call runs alone on its own thread.
    private readonly Lock _parallel = new();
    private readonly Action<int, int> _blockBody;   // one delegate for the predictor's life: calls allocate nothing
    private WorkerPool? _pool;                      // created by the first call that can use it
    private float[] _outProbabilities = [], _outLogits = [];   // [N, C], [N, LogitCount] of the call in progress
    // The call in progress: its source (one of three, by kind; stored unboxed) and its sequence count.
    private SourceKind _kind;
    private TokenListSource _tokens;
    private FeatureListSource _features;
    private DatasetSource _dataset;
    private int _count;

    /// <summary>
    /// Runs every block of <paramref name="source"/> on the workers into <see cref="_outProbabilities"/> and
    /// <see cref="_outLogits"/>, holding the workers until <see cref="EndParallel"/>; false (nothing run) when the call
    /// is one block, the predictor has one thread, or another call holds the workers.
    /// </summary>
    private bool TryRunParallel<TSource>(TSource source, int count) where TSource : ISequenceSource
    {
        int blocks = (count + BatchSize - 1) / BatchSize;
        if (blocks < 2 || NumberOfThreads < 2 || !_parallel.TryEnter()) return false;
        try
        {
            // (T)(object) on a struct type argument is resolved by the JIT: no boxing.
            if (typeof(TSource) == typeof(TokenListSource)) { _kind = SourceKind.Tokens; _tokens = (TokenListSource)(object)source; }
            else if (typeof(TSource) == typeof(FeatureListSource)) { _kind = SourceKind.Features; _features = (FeatureListSource)(object)source; }
            else if (typeof(TSource) == typeof(DatasetSource)) { _kind = SourceKind.Dataset; _dataset = (DatasetSource)(object)source; }
            else { _parallel.Exit(); return false; }
            var a = _model.Architecture;
            Buffers.Grow(ref _outProbabilities, (long)count * a.NumberOfClasses);
            Buffers.Grow(ref _outLogits, (long)count * a.LogitCount);
            _count = count;
            _pool ??= new WorkerPool(NumberOfThreads);
            _pool.Run(blocks, _blockBody);
            return true;
        }
        catch
        {
            EndParallel();
            throw;
        }
    }

    /// <summary>Forgets the call's inputs (the predictor must not keep the caller's lists alive) and frees the workers.</summary>
    private void EndParallel()
    {
        _tokens = default; _features = default; _dataset = default;
        _parallel.Exit();
    }

    private void RunBlock(int block, int worker)
    {
        var s = _scratch.Value!;   // each worker thread's own scratch, kept across calls
        int start = block * BatchSize, n = Math.Min(BatchSize, _count - start);
        switch (_kind)
        {
            case SourceKind.Tokens: ForwardChunk(_network, s.Workspace, s.Batch, _tokens, start, n, _outProbabilities, _outLogits); break;
            case SourceKind.Features: ForwardChunk(_network, s.Workspace, s.Batch, _features, start, n, _outProbabilities, _outLogits); break;
            default: ForwardChunk(_network, s.Workspace, s.Batch, _dataset, start, n, _outProbabilities, _outLogits); break;
        }
    }

    /// <summary>The workers hold no reference to the predictor between calls, so an unused predictor is collected and stops them here.</summary>
    ~RecurrentPredictor() => _pool?.Dispose();
}
