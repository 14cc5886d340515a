using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Onnx;

/// <summary>A regression model's ONNX export: <c>values</c> (target units) and <c>logits</c> (standardised) equal the engine's.</summary>
public class OnnxRegressionExportTests
{
    [Theory]
    [InlineData(RecurrentCellType.Lstm, SequencePooling.Last, 1)]
    [InlineData(RecurrentCellType.Gru, SequencePooling.Mean, 3)]
    public void ValuesInTheTargetsUnitsMatchTheEngine(RecurrentCellType cell, SequencePooling pooling, int outputs)
    {
        var a = new RecurrentArchitecture
        {
            Cell = cell, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 5, Pooling = pooling, Bidirectional = true,
            Classification = ClassificationKind.Regression, NumberOfOutputs = outputs,
        };
        var model = OnnxExportTests.RandomModel(a, seed: 9).WithTargetStandardization(
            new TargetStandardization(Enumerable.Range(0, outputs).Select(k => 1000f + 10 * k).ToArray(), Enumerable.Range(0, outputs).Select(k => 50f + k).ToArray()));
        int[] lengths = [3, 8, 1, 5];
        var rng = new Random(2);
        var sequences = lengths.Select(n => Enumerable.Range(0, 2 * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToList();
        var expected = new float[lengths.Length * outputs];
        model.CreatePredictor().PredictValues(sequences, expected);

        int B = lengths.Length, T = lengths.Max();
        var x = new float[B * T * 2];
        for (int b = 0; b < B; b++) sequences[b].CopyTo(x.AsSpan(b * T * 2));
        using var session = OnnxExportTests.Session(model);
        using var results = session.Run([
            NamedOnnxValue.CreateFromTensor("features", new DenseTensor<float>(x, [B, T, 2])),
            NamedOnnxValue.CreateFromTensor("lengths", new DenseTensor<long>(lengths.Select(n => (long)n).ToArray(), [B]))]);
        Assert.DoesNotContain(results, r => r.Name == "probabilities");
        var values = results.Single(r => r.Name == "values").AsTensor<float>();
        Assert.Equal(new[] { B, outputs }, values.Dimensions.ToArray());
        for (int b = 0; b < B; b++)
            for (int k = 0; k < outputs; k++)
                Assert.True(Math.Abs(expected[b * outputs + k] - values[b, k]) <= 1e-3, $"row {b} output {k}: engine {expected[b * outputs + k]}, ONNX Runtime {values[b, k]}");
    }
}
