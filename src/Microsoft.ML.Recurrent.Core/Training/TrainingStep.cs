using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// One optimizer step over a mini-batch, with everything it needs allocated once. The batch is cut into a fixed
/// number of length-balanced work items (<see cref="WorkItems"/>: it depends on the batch size only); each item runs
/// forward and backward in its own workspace into its own gradient vector. The item gradients are then summed in
/// item order, clipped and applied over fixed parameter chunks. The pool's threads only choose which item or chunk
/// they run, so a seed gives bit-identical weights whatever <see cref="TrainingOptions.NumberOfThreads"/> is.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    /// <summary>Rows a work item aims at: enough for the step GEMMs' 8-row panels, few enough that a batch of 32 splits in two.</summary>
    public const int RowsPerItem = 16;

    /// <summary>Most items per batch (each holds a gradient vector the size of the model).</summary>
    public const int MaxItems = 16;

    /// <summary>Work items of a batch of <paramref name="rows"/> sequences.</summary>
    public static int WorkItems(int rows) => Math.Clamp((rows + RowsPerItem - 1) / RowsPerItem, 1, MaxItems);

    private readonly TrainingOptions _o;
    private readonly SequenceDataset _train;
    private readonly WorkerPool _pool;
    private readonly Workspace[] _workspaces;   // [workers]: the activations of the item (or validation chunk) a worker runs
    private readonly float[][] _gradients;      // [items][parameters]
    private readonly double[] _itemLoss;
    private readonly float[] _gradient;         // the summed gradient
    private readonly int _chunk, _chunks;       // fixed parameter chunks of the sum and update
    private readonly double[] _chunkSquares;
    private readonly float[] _classWeights;
    private readonly Optimizer _optimizer;
    private readonly PackedBatch _batch = new();
    private readonly RegressionTargets? _targets;   // regression heads: the batch's standardised targets
    private readonly Action<int, int> _itemBody, _sumBody, _updateBody, _scoreBody;
    private float _lossScale, _clipScale, _lr;
    private bool _gradientsDirty;   // item gradients may hold values (they are zeroed by the sum that reads them)
    private ulong _dropoutSeed;

    public TrainingStep(RecurrentArchitecture a, TrainingOptions o, SequenceDataset train, TargetStandardization? standardization = null)
    {
        _o = o; _train = train;
        if (a.Classification == ClassificationKind.Regression) _targets = new RegressionTargets(train, standardization!);
        var layout = new ParameterLayout(a);
        Network = new RecurrentNetwork(layout, Initializer.Create(layout, o));
        int threads = Math.Max(1, o.NumberOfThreads ?? Environment.ProcessorCount);
        int items = WorkItems(o.BatchSize);
        _pool = new WorkerPool(threads);
        // One workspace per worker, not per item: a worker runs its items one after another, each item's forward and
        // backward complete, and nothing in a workspace outlives the item. One thread then touches one set of
        // activations per step (the text LSTM's ~19 MB) instead of one per item, so more of it stays in cache.
        _workspaces = new Workspace[threads];
        for (int i = 0; i < _workspaces.Length; i++) _workspaces[i] = new Workspace(a);
        _gradients = new float[items][];
        for (int i = 0; i < items; i++) _gradients[i] = new float[layout.Count];
        _itemLoss = new double[items];
        _gradient = new float[layout.Count];
        _chunk = Math.Max(4096, (layout.Count / 64 + 63) & ~63);
        _chunks = (layout.Count + _chunk - 1) / _chunk;
        _chunkSquares = new double[_chunks];
        _classWeights = o.ClassWeights?.ToArray() ?? [];
        _optimizer = new Optimizer(o, layout.Count);
        _scoring = new PackedBatch[threads];
        for (int i = 0; i < threads; i++) _scoring[i] = new PackedBatch();
        // One delegate each for the whole run: the step loop allocates nothing.
        _itemBody = RunItem;
        _sumBody = SumChunk;
        _updateBody = UpdateChunk;
        _scoreBody = ScoreChunk;
    }

    /// <summary>
    /// Stopwatch ticks spent, over all steps so far, in the work items (forward and backward), the gradient sum, the
    /// update and the refresh of derived weights: what <c>speed --only trainloop</c> reports, to tell which part of a
    /// step scales with threads. Four timestamps a step cost nothing measurable.
    /// </summary>
    internal readonly long[] PhaseTicks = new long[4];

    /// <summary>The network being trained (its parameters change with every step).</summary>
    public RecurrentNetwork Network { get; }

    /// <summary>One optimizer step on the sequences <paramref name="indices"/>; returns the batch loss.</summary>
    public double Run(ReadOnlySpan<int> indices, float lr, long step)
    {
        _batch.Pack(_train, indices, _classWeights, WorkItems(indices.Length));
        _targets?.Gather(_batch);
        float total = _batch.TotalWeight();
        if (total <= 0) return 0;  // every row has weight 0: nothing to learn from
        _lossScale = 1f / total;
        if (_gradientsDirty)   // a previous step stopped between its items and its sum (an exception): start clean
            foreach (float[] g in _gradients) Array.Clear(g);
        _gradientsDirty = true;
        _dropoutSeed = SplitMix64.Hash(((ulong)(uint)_o.Seed << 32) ^ (ulong)step);
        long t0 = Stopwatch.GetTimestamp();
        _pool.Run(_batch.Shards, _itemBody);
        long t1 = Stopwatch.GetTimestamp();
        double loss = 0;
        for (int s = 0; s < _batch.Shards; s++) loss += _itemLoss[s];

        // The tail of the step touches every parameter (the embedding too), so it runs over fixed chunks: sum the
        // item gradients (each element in item order; the same pass zeroes them for the next step and squares the sum),
        // then clip and update (the clipping factor applied inside the update). Chunk squares are added in chunk order.
        _pool.Run(_chunks, _sumBody);
        long t2 = Stopwatch.GetTimestamp();
        _gradientsDirty = false;
        double squares = 0;
        for (int c = 0; c < _chunks; c++) squares += _chunkSquares[c];
        _clipScale = Optimizer.ClipScale(squares, _o.GradientClipNorm);
        _lr = lr;
        _optimizer.BeginStep();
        _pool.Run(_chunks, _updateBody);
        long t3 = Stopwatch.GetTimestamp();
        Network.RefreshDerived();
        PhaseTicks[0] += t1 - t0; PhaseTicks[1] += t2 - t1; PhaseTicks[2] += t3 - t2; PhaseTicks[3] += Stopwatch.GetTimestamp() - t3;
        return loss;
    }

    private (int Start, int Length) Chunk(int c)
    {
        int start = c * _chunk;
        return (start, Math.Min(_chunk, _gradient.Length - start));
    }

    private void SumChunk(int c, int worker)
    {
        var (start, length) = Chunk(c);
        _chunkSquares[c] = VectorMath.SumAndClear(_gradients, _batch.Shards, start, _gradient.AsSpan(start, length));
    }

    private void UpdateChunk(int c, int worker)
    {
        var (start, length) = Chunk(c);
        _optimizer.UpdateRange(Network.Parameters, _gradient, _lr, start, length, _clipScale);
    }

    private void RunItem(int s, int worker)
    {
        var ws = _workspaces[worker];
        float[] gradients = _gradients[s];   // all zero: cleared by the previous step's sum (or never used)
        var input = _batch.Shard(s);
        int start = _batch.ShardStart[s], count = _batch.ShardCount[s];
        Network.Forward(ws, input, training: true, SplitMix64.Hash(_dropoutSeed + (ulong)s * 0x9E3779B9UL));
        _itemLoss[s] = _targets is { } t
            ? Network.BackwardRegression(ws, input, gradients, t.Rows(start, count), _batch.Weights.AsSpan(start, count), _lossScale, _o.RegressionLoss, _o.HuberDelta)
            : Network.Backward(ws, input, gradients, _batch.Labels.AsSpan(start, count), _batch.Weights.AsSpan(start, count), _lossScale);
    }

    // Validation: forward only, chunks of RecurrentPredictor.BatchSize sequences on the pool, each worker in its own workspace.
    private readonly PackedBatch[] _scoring;
    private SequenceDataset? _scored;
    private float[] _probabilities = [];

    /// <summary>Loss and accuracy of the current parameters on <paramref name="data"/>; equal to <see cref="RecurrentModel.Evaluate"/> of the same weights.</summary>
    public ModelEvaluation Evaluate(SequenceDataset data)
    {
        int C = Network.Architecture.NumberOfClasses;
        if (_probabilities.Length < (long)data.Count * C) _probabilities = new float[(long)data.Count * C];
        _scored = data;
        _pool.Run((data.Count + RecurrentPredictor.BatchSize - 1) / RecurrentPredictor.BatchSize, _scoreBody);
        _scored = null;
        return RecurrentPredictor.Score(data, _probabilities, C);
    }

    private void ScoreChunk(int item, int worker)
    {
        int start = item * RecurrentPredictor.BatchSize, n = Math.Min(RecurrentPredictor.BatchSize, _scored!.Count - start);
        RecurrentPredictor.ForwardChunk(Network, _workspaces[worker], _scoring[worker], new DatasetSource(_scored), start, n, _probabilities, default);
    }

    public void Dispose() => _pool.Dispose();
}
