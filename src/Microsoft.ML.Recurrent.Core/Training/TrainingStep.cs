using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// One optimizer step over a mini-batch, with everything it needs allocated once: the batch is dealt into one
/// length-balanced shard per thread, every shard runs forward and backward in its own workspace, then the shard
/// gradients are summed, clipped and applied range by range. For a fixed thread count the order of every sum is
/// fixed, so a seed gives bit-identical weights.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    private readonly TrainingOptions _o;
    private readonly SequenceDataset _train;
    private readonly WorkerPool _pool;
    private readonly Workspace[] _workspaces;
    private readonly double[] _shardLoss;
    private readonly float[] _gradient;
    private readonly float[] _classWeights;
    private readonly Optimizer _optimizer;
    private readonly PackedBatch _batch = new();
    private readonly RegressionTargets? _targets;   // regression heads: the batch's standardised targets
    private readonly Action<int> _shardBody, _sumBody, _updateBody;
    private readonly double[] _partialSquares;
    private float _lossScale, _clipScale, _lr;
    private ulong _dropoutSeed;

    public TrainingStep(RecurrentArchitecture a, TrainingOptions o, SequenceDataset train, TargetStandardization? standardization = null)
    {
        _o = o; _train = train;
        if (a.Classification == ClassificationKind.Regression) _targets = new RegressionTargets(train, standardization!);
        var layout = new ParameterLayout(a);
        Network = new RecurrentNetwork(layout, Initializer.Create(layout, o.Seed, o.ForgetGateBias));
        int threads = Math.Max(1, o.NumberOfThreads ?? Environment.ProcessorCount);
        _pool = new WorkerPool(threads);
        _workspaces = new Workspace[threads];
        for (int i = 0; i < threads; i++) _workspaces[i] = new Workspace(layout);
        _shardLoss = new double[threads];
        _gradient = new float[layout.Count];
        _classWeights = o.ClassWeights?.ToArray() ?? [];
        _optimizer = new Optimizer(o, layout.Count);
        _partialSquares = new double[threads];
        // One delegate each for the whole run: the step loop allocates nothing.
        _shardBody = RunShard;
        _sumBody = SumRange;
        _updateBody = UpdateRange;
    }

    /// <summary>The network being trained (its parameters change with every step).</summary>
    public RecurrentNetwork Network { get; }

/// <summary>One optimizer step on the sequences <paramref name="indices"/>; returns the batch loss.</summary>
public double Run(ReadOnlySpan<int> indices, float lr, long step)
    {
        _batch.Pack(_train, indices, _classWeights, _pool.Size);
        _targets?.Gather(_batch);
        float total = _batch.TotalWeight();
        if (total <= 0) return 0;  // every row has weight 0: nothing to learn from
        _lossScale = 1f / total;
        _dropoutSeed = SplitMix64.Hash(((ulong)(uint)_o.Seed << 32) ^ (ulong)step);
        _pool.Run(_batch.Shards, _shardBody);
        double loss = 0;
        for (int s = 0; s < _batch.Shards; s++) loss += _shardLoss[s];

        // The tail of the step touches every parameter (the embedding too), so it is split into one fixed
        // range per thread: sum the shard gradients, then clip and update. Ranges depend only on the thread
        // count, and each element is summed over shards in shard order: results stay reproducible.
        _pool.Run(_pool.Size, _sumBody);
        double squares = 0;
        for (int c = 0; c < _pool.Size; c++) squares += _partialSquares[c];
        _clipScale = Optimizer.ClipScale(squares, _o.GradientClipNorm);
        _lr = lr;
        _optimizer.BeginStep();
        _pool.Run(_pool.Size, _updateBody);
        Network.RefreshDerived();
        return loss;
    }

    /// <summary>Range c of the flat parameter vector: 64-aligned, so SIMD bodies and tails fall the same way for any thread count.</summary>
    private (int Start, int Length) Range(int c)
    {
        int n = _gradient.Length, size = (n / _pool.Size + 63) & ~63;
        int start = Math.Min(n, c * size);
        return (start, c == _pool.Size - 1 ? n - start : Math.Min(size, n - start));
    }

    private void SumRange(int c)
    {
        var (start, length) = Range(c);
        Span<float> g = _gradient.AsSpan(start, length);
        _workspaces[0].Gradients.AsSpan(start, length).CopyTo(g);
        for (int s = 1; s < _batch.Shards; s++) System.Numerics.Tensors.TensorPrimitives.Add(g, _workspaces[s].Gradients.AsSpan(start, length), g);
        _partialSquares[c] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(g);
    }

    private void UpdateRange(int c)
    {
        var (start, length) = Range(c);
        if (_clipScale != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(_gradient.AsSpan(start, length), _clipScale, _gradient.AsSpan(start, length));
        _optimizer.UpdateRange(Network.Parameters, _gradient, _lr, start, length);
    }

    private void RunShard(int s)
    {
        var ws = _workspaces[s];
        Array.Clear(ws.Gradients);
        var input = _batch.Shard(s);
        int start = _batch.ShardStart[s], count = _batch.ShardCount[s];
        Network.Forward(ws, input, training: true, SplitMix64.Hash(_dropoutSeed + (ulong)s * 0x9E3779B9UL));
        _shardLoss[s] = _targets is { } t
            ? Network.BackwardRegression(ws, input, t.Rows(start, count), _batch.Weights.AsSpan(start, count), _lossScale, _o.RegressionLoss, _o.HuberDelta)
            : Network.Backward(ws, input, _batch.Labels.AsSpan(start, count), _batch.Weights.AsSpan(start, count), _lossScale);
    }

    public void Dispose() => _pool.Dispose();
}
