using Xunit;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Parity;

/// <summary>
/// Forward outputs, loss and every parameter gradient against PyTorch (float64 references computed from float32
/// weights; see Reference/README.md). Tolerances: forward 1e-5 and gradients 1e-4, relative to the magnitude of
/// the reference value, floored at 10% of the tensor's largest magnitude so values near zero are not held to
/// relative precision that float32 cannot have.
/// </summary>
public class TorchParityTests
{
    public static IEnumerable<object[]> Cases() => TorchReference.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        var c = TorchReference.Get(name);
        var run = TorchRun.Execute(c);
        var a = c.Architecture;
        int B = c.Batch, T = c.MaxLength, D = a.OutputSize;

        // Logits and pooled vectors, row by row (the engine's rows are sorted longest first).
        var logits = new double[c.Logits.Length];
        var pooled = new double[c.Pooled.Length];
        for (int r = 0; r < B; r++)
        {
            int b = run.Order[r];
            for (int k = 0; k < a.LogitCount; k++) logits[b * a.LogitCount + k] = run.Logits[r * a.LogitCount + k];
            for (int k = 0; k < D; k++) pooled[b * D + k] = run.Pooled[r * D + k];
        }
        AssertClose(c.Logits, logits, 1e-5, $"{name} logits");
        AssertClose(c.Pooled, pooled, 1e-5, $"{name} pooled");
        Assert.InRange(Math.Abs(run.Loss - c.Loss), 0, 1e-5 * Math.Max(1, Math.Abs(c.Loss)));

        // Top output sequence: engine [T, B, D] (sorted rows, padded steps 0) vs PyTorch [B, T, D].
        var outputs = new double[c.Outputs.Length];
        for (int r = 0; r < B; r++)
            for (int t = 0; t < T && t < run.Steps; t++)
                for (int k = 0; k < D; k++)
                    outputs[(run.Order[r] * T + t) * D + k] = run.TopOutput[(t * B + r) * D + k];
        AssertClose(c.Outputs, outputs, 1e-5, $"{name} outputs");

        foreach (var (tensor, expected) in c.Grads)
        {
            if (tensor == "input")
            {
                int I = a.FeaturesPerStep;
                var dx = new double[expected.Length];
                for (int r = 0; r < B; r++)
                    for (int t = 0; t < run.Steps; t++)
                        for (int k = 0; k < I; k++)
                            dx[(run.Order[r] * T + t) * I + k] = run.InputGradient[(t * B + r) * I + k];
                AssertClose(expected, dx, 1e-4, $"{name} d input");
                continue;
            }
            var p = run.Layout[tensor];
            AssertClose(expected, run.Gradients.AsSpan(p.Offset, p.Length).ToArray().Select(v => (double)v).ToArray(), 1e-4, $"{name} d {tensor}");
        }
        // Every engine tensor was checked.
        Assert.Equal(run.Layout.Tensors.Select(t => t.Name).Order(), c.Grads.Keys.Where(k => k != "input").Order());
    }

    internal static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * Math.Max(Math.Abs(expected[i]), 0.1 * scale) + 1e-12;
            if (!(Math.Abs(expected[i] - actual[i]) <= allowed))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(expected[i] - actual[i]):E2} > {allowed:E2}).");
        }
    }
}

/// <summary>Runs one reference case through the engine's network with the reference's weights.</summary>
internal sealed class TorchRun
{
    public required ParameterLayout Layout { get; init; }
    public required int[] Order { get; init; }
    public required int Steps { get; init; }
    public required float[] Logits { get; init; }
    public required float[] Pooled { get; init; }
    public required float[] TopOutput { get; init; }
    public required float[] InputGradient { get; init; }
    public required float[] Gradients { get; init; }
    public required double Loss { get; init; }

    public static TorchRun Execute(TorchCase c)
    {
        var a = c.Architecture;
        var layout = new ParameterLayout(a);
        var parameters = new float[layout.Count];
        foreach (var t in layout.Tensors)
        {
            double[] src = c.Params[t.Name];
            Assert.Equal(t.Length, src.Length);
            for (int i = 0; i < src.Length; i++) parameters[t.Offset + i] = (float)src[i];
        }
        var net = new RecurrentNetwork(layout, parameters);
        int B = c.Batch, T = c.MaxLength;
        SequenceDataset data;
        int K = a.LogitCount;
        List<float[]>? targets = c.Targets is { } tg ? Enumerable.Range(0, B).Select(b => tg.AsSpan(b * K, K).ToArray().Select(v => (float)v).ToArray()).ToList() : null;
        if (c.Tokens is { } tokens)
        {
            var seqs = Enumerable.Range(0, B).Select(b => tokens.AsSpan(b * T, c.Lengths[b]).ToArray()).ToList();
            data = targets is null ? SequenceDataset.FromTokens(seqs, c.Labels) : SequenceDataset.ForRegression(seqs, targets);
        }
        else
        {
            int I = a.FeaturesPerStep;
            var seqs = Enumerable.Range(0, B).Select(b => c.Input!.AsSpan(b * T * I, c.Lengths[b] * I).ToArray()).ToList();
            data = targets is null ? SequenceDataset.FromFeatures(seqs, I, c.Labels) : SequenceDataset.ForRegression(seqs, I, targets);
        }
        var batch = new PackedBatch();
        batch.Pack(data, Enumerable.Range(0, B).ToArray(), default);
        var ws = new Workspace(layout.Architecture, keepTopOutputs: true);   // every step's output, compared below
        var gradients = new float[layout.Count];
        var shard = batch.Shard(0);
        net.Forward(ws, shard, training: true, dropoutSeed: 0);
        int steps = shard.Steps, D = a.OutputSize;
        var logits = ws.Logits.AsSpan(0, B * a.LogitCount).ToArray();
        var pooled = ws.Pooled.AsSpan(0, B * D).ToArray();
        var top = ws.X[a.NumberOfLayers].AsSpan(0, steps * B * D).ToArray();
        double loss = targets is null
            ? net.Backward(ws, shard, gradients, batch.Labels.AsSpan(0, B), batch.Weights.AsSpan(0, B), 1f / B, inputGradient: true)
            : net.BackwardRegression(ws, shard, gradients, Enumerable.Range(0, B).SelectMany(r => targets[batch.Order[r]]).ToArray(), batch.Weights.AsSpan(0, B), 1f / B,
                c.RegressionLoss, c.HuberDelta, inputGradient: true);
        return new TorchRun
        {
            Layout = layout, Order = batch.Order[..B], Steps = steps, Logits = logits, Pooled = pooled, TopOutput = top,
            InputGradient = ws.DX[0].AsSpan(0, steps * B * a.InputSize).ToArray(), Gradients = gradients, Loss = loss,
        };
    }
}

/// <summary>PyTorch weights imported through the public API predict PyTorch's probabilities, one sequence at a time.</summary>
public class TorchImportTests
{
    [Theory]
    [MemberData(nameof(TorchParityTests.Cases), MemberType = typeof(TorchParityTests))]
    public void ImportedWeightsPredictPyTorchProbabilities(string name)
    {
        var c = TorchReference.Get(name);
        var a = c.Architecture;
        var probe = RecurrentModel.FromParameters(a, new float[ParameterLayout.CountParameters(a)]);
        var weights = new float[probe.Parameters.Length];
        foreach (var t in probe.Tensors)
            for (int i = 0; i < t.Length; i++) weights[t.Offset + i] = (float)c.Params[t.Name][i];
        var model = RecurrentModel.FromParameters(a, weights);
        int T = c.MaxLength, C = a.LogitCount;
        for (int b = 0; b < c.Batch; b++)
        {
            if (a.Classification == ClassificationKind.Regression)
            {
                // Identity standardisation: the values are the head's outputs.
                float[] v = c.Tokens is { } ids
                    ? model.PredictValues(ids.AsSpan(b * T, c.Lengths[b]))
                    : model.PredictValues(c.Input.AsSpan(b * T * a.FeaturesPerStep, c.Lengths[b] * a.FeaturesPerStep));
                for (int k = 0; k < C; k++)
                    Assert.True(Math.Abs(v[k] - c.Logits[b * C + k]) <= 1e-5 * Math.Max(1, Math.Abs(c.Logits[b * C + k])), $"{name} sequence {b} output {k}: {v[k]} vs {c.Logits[b * C + k]}");
                continue;
            }
            float[] p = c.Tokens is { } tokens
                ? model.PredictProbabilities(tokens.AsSpan(b * T, c.Lengths[b]))
                : model.PredictProbabilities(c.Input.AsSpan(b * T * a.FeaturesPerStep, c.Lengths[b] * a.FeaturesPerStep));
            double[] z = c.Logits.AsSpan(b * C, C).ToArray();
            double[] expected = a.Classification == ClassificationKind.Binary ? [1 / (1 + Math.Exp(z[0])), 1 / (1 + Math.Exp(-z[0]))] : Softmax(z);
            for (int k = 0; k < expected.Length; k++)
                Assert.True(Math.Abs(p[k] - expected[k]) <= 1e-5, $"{name} sequence {b} class {k}: {p[k]} vs {expected[k]}");
        }
    }

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
