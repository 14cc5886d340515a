using System.Globalization;
using System.Text;
using Xunit;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>
/// Models saved by an earlier version of the engine (Fixtures/*.rnnmodel, written before the engine was restructured)
/// must load and predict what that version predicted (Fixtures/*.predictions.txt, float bits). Regenerate only on
/// purpose: <c>RECURRENT_WRITE_FIXTURES=1 dotnet test --filter SavedModelCompatibility</c>.
/// </summary>
public class SavedModelCompatibilityTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>Name, shape, and whether the value may move in the last bits (and why).</summary>
    public static IEnumerable<object[]> Models() =>
    [
        ["lstm-tokens-peephole-bi", new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, Peephole = true, InputKind = SequenceInputKind.Tokens, VocabularySize = 30, EmbeddingSize = 7, HiddenSize = 19, Bidirectional = true, Pooling = SequencePooling.Max, Classification = ClassificationKind.Binary }],
        ["lstm-features-2layer", new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Features, FeaturesPerStep = 5, HiddenSize = 40, NumberOfLayers = 2, Pooling = SequencePooling.Last, Classification = ClassificationKind.Binary }],
        ["gru-after-features", new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Features, FeaturesPerStep = 4, HiddenSize = 37, Bidirectional = true, Pooling = SequencePooling.Mean, Classification = ClassificationKind.Binary }],
        ["gru-before-tokens", new RecurrentArchitecture { Cell = RecurrentCellType.Gru, GruReset = GruResetMode.BeforeRecurrentProduct, InputKind = SequenceInputKind.Tokens, VocabularySize = 25, EmbeddingSize = 6, HiddenSize = 24, Pooling = SequencePooling.Last, Classification = ClassificationKind.Binary }],
        ["rnn-tanh-features-multiclass", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 21, Pooling = SequencePooling.Max, NumberOfClasses = 4 }],
        ["rnn-relu-tokens", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, RnnActivation = RnnActivation.Relu, InputKind = SequenceInputKind.Tokens, VocabularySize = 20, EmbeddingSize = 5, HiddenSize = 17, Bidirectional = true, Pooling = SequencePooling.Mean, Classification = ClassificationKind.Binary }],
        ["lstm-tokens-multiclass", new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Tokens, VocabularySize = 30, EmbeddingSize = 8, HiddenSize = 16, Pooling = SequencePooling.Last, NumberOfClasses = 3 }],
    ];

    /// <summary>
    /// Exact (bit for bit) unless an intended change of the arithmetic touches the model; then within 1e-6 (relative):
    /// <list type="bullet">
    /// <item>hidden sizes that are not a multiple of 8: the last H mod 8 units used to run in a scalar tail with
    /// MathF.Exp/MathF.Tanh; they now run the same one-float lane code as the SIMD body (issue #10), so those units
    /// move by an ulp (ReLU RNNs have no transcendental, so they stay exact);</item>
    /// <item>the tanh RNN: it now uses the engine's own tanh, exact at 0, instead of TensorPrimitives.Tanh (issue #11);</item>
    /// <item>softmax heads: the softmax now subtracts the largest logit first (issue #11).</item>
    /// </list>
    /// </summary>
    private static bool Exact(RecurrentArchitecture a)
    {
        bool relu = a.Cell == RecurrentCellType.Rnn && a.RnnActivation == RnnActivation.Relu;
        bool tail = a.HiddenSize % 8 != 0 && !relu;
        bool tanhRnn = a.Cell == RecurrentCellType.Rnn && !relu;
        return !tail && !tanhRnn && a.Classification == ClassificationKind.Binary;
    }

    private static (List<int[]> Tokens, List<float[]> Features) Inputs(RecurrentArchitecture a, int seed)
    {
        var rng = new Random(seed);
        var tokens = new List<int[]>();
        var features = new List<float[]>();
        foreach (int len in new[] { 1, 2, 5, 9, 13, 0, 7, 3, 11, 4 })
        {
            if (a.InputKind == SequenceInputKind.Tokens) tokens.Add(Enumerable.Range(0, len).Select(_ => rng.Next(0, a.VocabularySize + 3)).ToArray());
            else features.Add(Enumerable.Range(0, len * a.FeaturesPerStep).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray());
        }
        return (tokens, features);
    }

    /// <summary>One probability row and one logit row per input, first one at a time, then as one batch.</summary>
    private static List<float> Predict(RecurrentModel model, int seed)
    {
        var a = model.Architecture;
        var (tokens, features) = Inputs(a, seed);
        var predictor = model.CreatePredictor();
        int n = Math.Max(tokens.Count, features.Count), C = a.NumberOfClasses, L = a.LogitCount;
        var values = new List<float>();
        var p = new float[C];
        var z = new float[L];
        for (int i = 0; i < n; i++)
        {
            if (a.InputKind == SequenceInputKind.Tokens) predictor.Predict(tokens[i], p, z);
            else predictor.Predict(features[i], p, z);
            values.AddRange(p); values.AddRange(z);
        }
        var pb = new float[n * C];
        var zb = new float[n * L];
        if (a.InputKind == SequenceInputKind.Tokens) predictor.Predict(tokens, pb, zb);
        else predictor.Predict(features, pb, zb);
        values.AddRange(pb); values.AddRange(zb);
        return values;
    }

    private static RecurrentModel Create(RecurrentArchitecture a, int seed)
    {
        // Random weights of a useful scale (not a trained model: the point is the arithmetic, over every tensor).
        var rng = new Random(seed);
        var layout = new ParameterLayout(a);
        var p = Enumerable.Range(0, layout.Count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 0.6)).ToArray();
        if (layout.Embedding >= 0) p.AsSpan(layout.Embedding, a.EmbeddingSize).Clear();
        return RecurrentModel.FromParameters(a, p);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ModelsSavedByThePreviousVersionLoadAndPredictTheSame(string name, RecurrentArchitecture a)
    {
        string modelPath = Path.Combine(Dir, name + ".rnnmodel"), predictionPath = Path.Combine(Dir, name + ".predictions.txt");
        int seed = name.Length * 31 + (int)a.Cell;
        if (Environment.GetEnvironmentVariable("RECURRENT_WRITE_FIXTURES") == "1")
        {
            string source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../Fixtures"));
            Directory.CreateDirectory(source);
            var created = Create(a, seed);
            created.Save(Path.Combine(source, name + ".rnnmodel"));
            var sb = new StringBuilder();
            foreach (float v in Predict(created, seed)) sb.Append(BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture)).Append('\n');
            File.WriteAllText(Path.Combine(source, name + ".predictions.txt"), sb.ToString());
            return;
        }
        var model = RecurrentModel.Load(modelPath);
        Assert.Equal(a, model.Architecture);
        float[] expected = File.ReadAllLines(predictionPath).Where(l => l.Length > 0)
            .Select(l => BitConverter.Int32BitsToSingle(int.Parse(l, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray();
        float[] actual = Predict(model, seed).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        bool exact = Exact(a);
        for (int i = 0; i < expected.Length; i++)
        {
            if (exact) Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{name} value {i}: {actual[i]:R}, saved {expected[i]:R}");
            else Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * Math.Max(1f, Math.Abs(expected[i])), $"{name} value {i}: {actual[i]:R}, saved {expected[i]:R}");
        }
    }
}
