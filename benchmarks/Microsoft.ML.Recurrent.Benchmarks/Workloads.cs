using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>The configurations of the speed comparison (eng/speed-vs-pytorch.sh) and synthetic data for them.</summary>
internal static class Workloads
{
    /// <summary>T = 28 steps of 28 features (MNIST rows), hidden 128, 10 classes, batch 64.</summary>
    public const int SeqSteps = 28, SeqFeatures = 28, SeqClasses = 10, SeqBatch = 64;
    /// <summary>T = 200 tokens over a 20,000-token vocabulary, embedding 64, hidden 128, 2 classes, batch 32.</summary>
    public const int TextSteps = 200, TextVocabulary = 20_000, TextEmbedding = 64, TextBatch = 32;
    public const int Hidden = 128;

    public static RecurrentArchitecture Sequence(RecurrentCellType cell) => new()
    {
        Cell = cell, InputKind = SequenceInputKind.Features, FeaturesPerStep = SeqFeatures, HiddenSize = Hidden, NumberOfClasses = SeqClasses,
    };

    public static RecurrentArchitecture Text(RecurrentCellType cell) => new()
    {
        Cell = cell, InputKind = SequenceInputKind.Tokens, VocabularySize = TextVocabulary, EmbeddingSize = TextEmbedding, HiddenSize = Hidden, NumberOfClasses = 2,
    };

    /// <summary>N dense sequences of T × F uniform(−1, 1) values with random labels.</summary>
    public static SequenceDataset SequenceData(int count, int seed = 1)
    {
        var rng = new Random(seed);
        var seqs = new float[count][];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            seqs[i] = new float[SeqSteps * SeqFeatures];
            for (int k = 0; k < seqs[i].Length; k++) seqs[i][k] = (float)(rng.NextDouble() * 2 - 1);
            labels[i] = rng.Next(SeqClasses);
        }
        return SequenceDataset.FromFeatures(seqs, SeqFeatures, labels);
    }

    /// <summary>N token sequences, all of length T (ids 2..V−1), with random binary labels.</summary>
    public static SequenceDataset TextData(int count, int seed = 1)
    {
        var rng = new Random(seed);
        var seqs = new int[count][];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            seqs[i] = new int[TextSteps];
            for (int t = 0; t < TextSteps; t++) seqs[i][t] = rng.Next(2, TextVocabulary);
            labels[i] = rng.Next(2);
        }
        return SequenceDataset.FromTokens(seqs, labels);
    }

    public static RecurrentModel RandomModel(RecurrentArchitecture a, int seed = 42)
    {
        var layout = new ParameterLayout(a);
        return RecurrentModel.FromParameters(a, Initializer.Create(layout, seed, 1f));
    }
}

/// <summary>
/// One training step exactly as RecurrentTrainer runs it (pack → shards forward+backward on the worker pool →
/// fixed-order gradient sum → clip → Adam → refresh derived weights), driven through the internal API so a
/// benchmark can time a single step. Cycles through the dataset batch by batch.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    private readonly SequenceDataset _data;
    private readonly TrainingOptions _o;
    private readonly RecurrentNetwork _net;
    private readonly WorkerPool _pool;
    private readonly Workspace[] _workspaces;
    private readonly double[] _shardLoss;
    private readonly float[] _gradient;
    private readonly Optimizer _optimizer;
    private readonly PackedBatch _batch = new();
    private readonly int[] _indices;
    private readonly Action<int> _body;
    private float _lossScale;
    private int _next;

    public TrainingStep(RecurrentArchitecture a, SequenceDataset data, int batchSize, int threads)
    {
        _data = data;
        _o = new TrainingOptions { BatchSize = batchSize, NumberOfThreads = threads };
        var layout = new ParameterLayout(a);
        _net = new RecurrentNetwork(layout, Initializer.Create(layout, _o.Seed, _o.ForgetGateBias));
        _pool = new WorkerPool(threads);
        _workspaces = new Workspace[threads];
        for (int i = 0; i < threads; i++) _workspaces[i] = new Workspace(layout);
        _shardLoss = new double[threads];
        _gradient = new float[layout.Count];
        _optimizer = new Optimizer(_o, layout.Count);
        _indices = new int[batchSize];
        _body = RunShard;
    }

    public double Run()
    {
        int B = _indices.Length;
        for (int i = 0; i < B; i++) _indices[i] = (_next + i) % _data.Count;
        _next = (_next + B) % _data.Count;
        _batch.Pack(_data, _indices, default, _pool.Size);
        _lossScale = 1f / _batch.TotalWeight();
        _pool.Run(_batch.Shards, _body);
        Span<float> g = _gradient;
        _workspaces[0].Gradients.CopyTo(g);
        double loss = _shardLoss[0];
        for (int s = 1; s < _batch.Shards; s++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(g, _workspaces[s].Gradients, g);
            loss += _shardLoss[s];
        }
        Optimizer.ClipByGlobalNorm(g, _o.GradientClipNorm);
        _optimizer.Step(_net.Parameters, g, _o.LearningRate);
        _net.RefreshDerived();
        return loss;
    }

    private void RunShard(int s)
    {
        var ws = _workspaces[s];
        Array.Clear(ws.Gradients);
        var input = _batch.Shard(s);
        int start = _batch.ShardStart[s], count = _batch.ShardCount[s];
        _net.Forward(ws, input, training: true, 0);
        _shardLoss[s] = _net.Backward(ws, input, _batch.Labels.AsSpan(start, count), _batch.Weights.AsSpan(start, count), _lossScale);
    }

    public void Dispose() => _pool.Dispose();
}
