using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;
using Microsoft.ML.Recurrent.Model;

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
/// One training step exactly as RecurrentTrainer runs it (the engine's own <see cref="Training.TrainingStep"/>),
/// cycling through the dataset batch by batch so a benchmark can time single steps.
/// </summary>
internal sealed class CyclingTrainingStep : IDisposable
{
    private readonly Training.TrainingStep _step;
    private readonly int[] _indices;
    private readonly int _count;
    private int _next;
    private long _steps;

    public CyclingTrainingStep(RecurrentArchitecture a, SequenceDataset data, int batchSize, int threads)
    {
        _step = new Training.TrainingStep(a, new TrainingOptions { BatchSize = batchSize, NumberOfThreads = threads }, data);
        _indices = new int[batchSize];
        _count = data.Count;
    }

    public double Run()
    {
        for (int i = 0; i < _indices.Length; i++) _indices[i] = (_next + i) % _count;
        _next = (_next + _indices.Length) % _count;
        return _step.Run(_indices, 1e-3f, _steps++);
    }

    /// <summary>Ticks per phase of the steps run so far (<see cref="Training.TrainingStep.PhaseTicks"/>).</summary>
    public long[] PhaseTicks => _step.PhaseTicks;

    /// <summary>The network's current parameters.</summary>
    public ReadOnlySpan<float> Parameters => _step.Network.Parameters;

    public void Dispose() => _step.Dispose();
}
