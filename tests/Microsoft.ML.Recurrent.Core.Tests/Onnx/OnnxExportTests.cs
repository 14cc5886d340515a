using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Recurrent.Model;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Onnx;

/// <summary>
/// <see cref="RecurrentModel.ExportOnnx(Stream)"/> checked by ONNX Runtime: the exported graph's probabilities and
/// logits equal the engine's on random weights and random variable-length batches (padding filled with garbage).
/// </summary>
public class OnnxExportTests
{
    public enum CellForm { RnnTanh, RnnRelu, Lstm, LstmPeephole, GruResetAfter, GruResetBefore }

    /// <summary>Cell × direction × pooling × input in full; layers (1–3) and the head vary with the case number,
    /// so every cell meets every layer count and both heads.</summary>
    public static IEnumerable<object[]> Cases()
    {
        int n = 0;
        foreach (CellForm cell in Enum.GetValues<CellForm>())
            foreach (bool bidirectional in new[] { false, true })
                foreach (SequencePooling pooling in Enum.GetValues<SequencePooling>())
                    foreach (SequenceInputKind input in Enum.GetValues<SequenceInputKind>())
                    {
                        int layers = 1 + n % 3;
                        var head = (n / 3) % 2 == 0 ? ClassificationKind.Binary : ClassificationKind.Multiclass;
                        n++;
                        yield return [cell, bidirectional, layers, pooling, head, input];
                    }
    }

    internal static RecurrentArchitecture Architecture(CellForm cell, bool bidirectional, int layers, SequencePooling pooling,
        ClassificationKind head, SequenceInputKind input) => new()
    {
        Cell = cell switch { CellForm.RnnTanh or CellForm.RnnRelu => RecurrentCellType.Rnn, CellForm.Lstm or CellForm.LstmPeephole => RecurrentCellType.Lstm, _ => RecurrentCellType.Gru },
        RnnActivation = cell == CellForm.RnnRelu ? RnnActivation.Relu : RnnActivation.Tanh,
        Peephole = cell == CellForm.LstmPeephole,
        GruReset = cell == CellForm.GruResetBefore ? GruResetMode.BeforeRecurrentProduct : GruResetMode.AfterRecurrentProduct,
        InputKind = input, VocabularySize = 23, EmbeddingSize = 5, FeaturesPerStep = 3,
        HiddenSize = 6, NumberOfLayers = layers, Bidirectional = bidirectional, Dropout = layers > 1 ? 0.3f : 0f, Pooling = pooling,
        Classification = head, NumberOfClasses = head == ClassificationKind.Binary ? 2 : 4,
    };

    internal static RecurrentModel RandomModel(RecurrentArchitecture a, int seed)
    {
        var rng = new Random(seed);
        var weights = new float[ParameterLayout.CountParameters(a)];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(rng.NextDouble() - 0.5);
        return RecurrentModel.FromParameters(a, weights);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportMatchesTheEngine(CellForm cell, bool bidirectional, int layers, SequencePooling pooling, ClassificationKind head, SequenceInputKind input)
    {
        var a = Architecture(cell, bidirectional, layers, pooling, head, input);
        var model = RandomModel(a, seed: (int)cell * 100 + layers * 10 + (int)pooling);
        int[] lengths = [1, 9, 4, 1, 7, 2, 9, 5];
        var rng = new Random(7);
        using var session = Session(model);
        if (input == SequenceInputKind.Tokens)
        {
            // Ids include padding 0, unknown 1, ids at/above the vocabulary and negative ids (both read as unknown).
            var sequences = lengths.Select(len => Enumerable.Range(0, len).Select(_ => rng.Next(-3, a.VocabularySize + 5)).ToArray()).ToList();
            AssertMatches(model, session, sequences, null, rng);
        }
        else
        {
            var sequences = lengths.Select(len => Enumerable.Range(0, len * a.FeaturesPerStep).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToList();
            AssertMatches(model, session, null, sequences, rng);
        }
    }

    [Fact]
    public void EmptySequencePoolsToZerosLikeTheEngine()
    {
        foreach (var pooling in Enum.GetValues<SequencePooling>())
        {
            var model = RandomModel(Architecture(CellForm.Lstm, true, 2, pooling, ClassificationKind.Multiclass, SequenceInputKind.Tokens), 3);
            using var session = Session(model);
            AssertMatches(model, session, [[], [5, 6, 7], []], null, new Random(1));
            AssertMatches(model, session, [[], []], null, new Random(1)); // no steps at all: tokens [2, 0]
        }
    }

    [Fact]
    public void GraphUsesOnlyStandardOperatorsWithDynamicAxes()
    {
        var model = RandomModel(Architecture(CellForm.LstmPeephole, true, 2, SequencePooling.Max, ClassificationKind.Multiclass, SequenceInputKind.Features), 5);
        using var session = Session(model);
        Assert.Equal(["features", "lengths"], session.InputMetadata.Keys.OrderBy(k => k));
        Assert.Equal(new[] { -1, -1, 3 }, session.InputMetadata["features"].Dimensions);
        Assert.Equal(new[] { -1, 4 }, session.OutputMetadata["probabilities"].Dimensions);
        var proto = Microsoft.ML.Recurrent.Onnx.Proto.ModelProto.Parser.ParseFrom(Export(model));
        Assert.All(proto.OpsetImport, o => Assert.Equal("", o.Domain));
        Assert.Equal(2, proto.Graph.Node.Count(n => n.OpType == "LSTM"));
        Assert.DoesNotContain(proto.Graph.Node, n => n.Domain != "");
    }

    internal static byte[] Export(RecurrentModel model)
    {
        var ms = new MemoryStream();
        model.ExportOnnx(ms);
        return ms.ToArray();
    }

    internal static InferenceSession Session(RecurrentModel model) => new(Export(model));

    private static void AssertMatches(RecurrentModel model, InferenceSession session, List<int[]>? tokens, List<float[]>? features, Random rng)
    {
        var a = model.Architecture;
        int B = tokens?.Count ?? features!.Count;
        var lengths = new long[B];
        for (int b = 0; b < B; b++) lengths[b] = tokens != null ? tokens[b].Length : features![b].Length / a.FeaturesPerStep;
        int T = (int)lengths.Max();
        var expected = new float[B * a.NumberOfClasses];
        var expectedLogits = new float[B * a.LogitCount];
        var predictor = model.CreatePredictor();
        NamedOnnxValue data;
        if (tokens != null)
        {
            predictor.Predict(tokens, expected, expectedLogits);
            // Padding holds garbage ids: sequence_lens must make it irrelevant.
            var ids = new long[B * T];
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++) ids[b * T + t] = t < tokens[b].Length ? tokens[b][t] : rng.Next(0, a.VocabularySize);
            data = NamedOnnxValue.CreateFromTensor("tokens", new DenseTensor<long>(ids, [B, T]));
        }
        else
        {
            predictor.Predict(features!, expected, expectedLogits);
            int F = a.FeaturesPerStep;
            var x = new float[B * T * F];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 10 - 5);
            for (int b = 0; b < B; b++) features![b].CopyTo(x.AsSpan(b * T * F));
            data = NamedOnnxValue.CreateFromTensor("features", new DenseTensor<float>(x, [B, T, F]));
        }
        using var results = session.Run([data, NamedOnnxValue.CreateFromTensor("lengths", new DenseTensor<long>(lengths, [B]))]);
        var probabilities = results.Single(r => r.Name == "probabilities").AsTensor<float>();
        var logits = results.Single(r => r.Name == "logits").AsTensor<float>();
        Assert.Equal(new[] { B, a.NumberOfClasses }, probabilities.Dimensions.ToArray());
        Assert.Equal(new[] { B, a.LogitCount }, logits.Dimensions.ToArray());
        for (int b = 0; b < B; b++)
        {
            for (int c = 0; c < a.NumberOfClasses; c++)
                Assert.True(Math.Abs(expected[b * a.NumberOfClasses + c] - probabilities[b, c]) <= 1e-5,
                    $"row {b} (length {lengths[b]}) class {c}: engine {expected[b * a.NumberOfClasses + c]}, ONNX Runtime {probabilities[b, c]}");
            for (int c = 0; c < a.LogitCount; c++)
                Assert.True(Math.Abs(expectedLogits[b * a.LogitCount + c] - logits[b, c]) <= 1e-4 * Math.Max(1, Math.Abs(logits[b, c])),
                    $"row {b} (length {lengths[b]}) logit {c}: engine {expectedLogits[b * a.LogitCount + c]}, ONNX Runtime {logits[b, c]}");
        }
    }
}
