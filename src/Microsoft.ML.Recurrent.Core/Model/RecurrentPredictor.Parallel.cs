using Microsoft.ML.Recurrent.Data;
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

    // One call at a time holds the workers and the fields below; a concurrent call runs alone on its own thread.
    private readonly Lock _parallel = new();
    private readonly Action<int, int> _blockBody;   // one delegate for the predictor's life: calls allocate nothing
    private WorkerPool? _pool;                      // created by the first call that can use it
    // The call in progress: its source (one of three, by kind; stored unboxed), its sequence count, and the caller's
    // outputs, pinned for the call (the caller waits in it, so its memory, even a stackalloc, stays valid).
    private SourceKind _kind;
    private TokenListSource _tokens;
    private FeatureListSource _features;
    private DatasetSource _dataset;
    private int _count;
    private unsafe float* _probabilities, _logits;
    private int _probabilitiesLength, _logitsLength;

    /// <summary>
    /// Runs every block of <paramref name="source"/> on the workers, writing the caller's outputs (each unless empty);
    /// false (nothing run) when the call is one block, the predictor has one thread, or another call holds the workers.
    /// </summary>
    private unsafe bool TryRunParallel<TSource>(TSource source, int count, Span<float> probabilities, Span<float> logits) where TSource : ISequenceSource
    {
        int blocks = (count + BatchSize - 1) / BatchSize;
        if (blocks < 2 || NumberOfThreads < 2 || !_parallel.TryEnter()) return false;
        try
        {
            // (T)(object) on a struct type argument is resolved by the JIT: no boxing.
            if (typeof(TSource) == typeof(TokenListSource)) { _kind = SourceKind.Tokens; _tokens = (TokenListSource)(object)source; }
            else if (typeof(TSource) == typeof(FeatureListSource)) { _kind = SourceKind.Features; _features = (FeatureListSource)(object)source; }
            else if (typeof(TSource) == typeof(DatasetSource)) { _kind = SourceKind.Dataset; _dataset = (DatasetSource)(object)source; }
            else return false;
            _count = count;
            fixed (float* p = probabilities, l = logits)
            {
                _probabilities = p; _probabilitiesLength = probabilities.Length;
                _logits = l; _logitsLength = logits.Length;
                _pool ??= new WorkerPool(NumberOfThreads);
                _pool.Run(blocks, _blockBody);
            }
            return true;
        }
        finally
        {
            // Forget the call: the predictor must not keep the caller's lists alive nor point into its memory.
            _tokens = default; _features = default; _dataset = default;
            _probabilities = _logits = null;
            _parallel.Exit();
        }
    }

    private unsafe void RunBlock(int block, int worker)
    {
        var s = _scratch.Value!;   // each worker thread's own scratch, kept across calls
        int start = block * BatchSize, n = Math.Min(BatchSize, _count - start);
        var probabilities = new Span<float>(_probabilities, _probabilitiesLength);
        var logits = new Span<float>(_logits, _logitsLength);
        switch (_kind)
        {
            case SourceKind.Tokens: ForwardChunk(_network, s.Workspace, s.Batch, _tokens, start, n, probabilities, logits); break;
            case SourceKind.Features: ForwardChunk(_network, s.Workspace, s.Batch, _features, start, n, probabilities, logits); break;
            default: ForwardChunk(_network, s.Workspace, s.Batch, _dataset, start, n, probabilities, logits); break;
        }
    }

    /// <summary>The workers hold no reference to the predictor between calls, so an unused predictor is collected and stops them here.</summary>
    ~RecurrentPredictor()
    {
        _pool?.Dispose();
        _split?.Dispose();
    }
}
