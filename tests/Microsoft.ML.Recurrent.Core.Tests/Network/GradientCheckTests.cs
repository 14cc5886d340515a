using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Tests.Parity;
using Xunit;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>
/// Finite-difference gradient checks of every layer. Precision: the engine computes in float32; the numeric gradient is
/// taken on <see cref="ReferenceNetwork"/>, an independent double-precision implementation, with central differences
/// (step 1e-5, truncation error ~1e-10). So the comparison measures only the engine's float32 rounding, and the
/// reference forward is itself checked against the engine forward first.
/// </summary>
public class GradientCheckTests
{
    public static IEnumerable<object[]> Configurations()
    {
        yield return ["lstm peephole, last", new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, Peephole = true, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 5, NumberOfClasses = 3 }];
        yield return ["lstm peephole, 2 layers bidirectional, mean", new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, Peephole = true, InputKind = SequenceInputKind.Features, FeaturesPerStep = 4, HiddenSize = 9, NumberOfLayers = 2, Bidirectional = true, Pooling = SequencePooling.Mean, NumberOfClasses = 3 }];
        yield return ["gru reset-before, bidirectional, max", new RecurrentArchitecture { Cell = RecurrentCellType.Gru, GruReset = GruResetMode.BeforeRecurrentProduct, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 10, Bidirectional = true, Pooling = SequencePooling.Max, NumberOfClasses = 4 }];
        yield return ["gru reset-before, 2 layers, tokens, binary", new RecurrentArchitecture { Cell = RecurrentCellType.Gru, GruReset = GruResetMode.BeforeRecurrentProduct, InputKind = SequenceInputKind.Tokens, VocabularySize = 11, EmbeddingSize = 4, HiddenSize = 9, NumberOfLayers = 2, Classification = ClassificationKind.Binary }];
        yield return ["gru reset-after, bidirectional, last, tokens", new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Tokens, VocabularySize = 9, EmbeddingSize = 5, HiddenSize = 8, Bidirectional = true, NumberOfClasses = 3 }];
        yield return ["rnn relu, 2 layers, mean, binary", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, RnnActivation = RnnActivation.Relu, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 17, NumberOfLayers = 2, Pooling = SequencePooling.Mean, Classification = ClassificationKind.Binary }];
        yield return ["rnn tanh, bidirectional, max", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 6, Bidirectional = true, Pooling = SequencePooling.Max, NumberOfClasses = 2 }];
        // Regression heads: every loss, one and several outputs.
        yield return ["regression lstm peephole, 2 outputs, squared error", new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, Peephole = true, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 5, Classification = ClassificationKind.Regression, NumberOfOutputs = 2 }, RegressionLoss.SquaredError];
        yield return ["regression gru, 2 layers bidirectional, mean, tokens, huber", new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Tokens, VocabularySize = 9, EmbeddingSize = 4, HiddenSize = 6, NumberOfLayers = 2, Bidirectional = true, Pooling = SequencePooling.Mean, Classification = ClassificationKind.Regression, NumberOfOutputs = 3 }, RegressionLoss.Huber];
        // Jordan cells: the recurrence through y (R ≠ H), stacked, bidirectional, every pooling, both heads.
        yield return ["jordan tanh, R 3, last", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, Recurrence = RnnRecurrence.Jordan, JordanOutputSize = 3, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 6, NumberOfClasses = 3 }];
        yield return ["jordan relu, R 7, 2 layers bidirectional, mean, binary", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, Recurrence = RnnRecurrence.Jordan, RnnActivation = RnnActivation.Relu, JordanOutputSize = 7, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 5, NumberOfLayers = 2, Bidirectional = true, Pooling = SequencePooling.Mean, Classification = ClassificationKind.Binary }];
        yield return ["jordan tanh, R = H, tokens, bidirectional, max", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, Recurrence = RnnRecurrence.Jordan, InputKind = SequenceInputKind.Tokens, VocabularySize = 9, EmbeddingSize = 4, HiddenSize = 5, Bidirectional = true, Pooling = SequencePooling.Max, NumberOfClasses = 2 }];
        yield return ["regression jordan tanh, R 2, 2 layers bidirectional, last, huber", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, Recurrence = RnnRecurrence.Jordan, JordanOutputSize = 2, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 4, NumberOfLayers = 2, Bidirectional = true, Classification = ClassificationKind.Regression, NumberOfOutputs = 2 }, RegressionLoss.Huber];
        yield return ["regression rnn tanh, max, absolute", new RecurrentArchitecture { Cell = RecurrentCellType.Rnn, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 7, Pooling = SequencePooling.Max, Classification = ClassificationKind.Regression }, RegressionLoss.Absolute];
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AnalyticGradientsMatchFiniteDifferences(string name, RecurrentArchitecture a, RegressionLoss loss = RegressionLoss.SquaredError)
    {
        bool regression = a.Classification == ClassificationKind.Regression;
        const float huberDelta = 0.5f;  // small enough that the Huber residuals fall on both sides of δ
        _ = name;
        var layout = new ParameterLayout(a);
        var rng = new Random(1234);
        var p = new float[layout.Count];
        for (int i = 0; i < p.Length; i++) p[i] = (float)((rng.NextDouble() * 2 - 1) * 0.6);
        if (layout.Embedding >= 0) p.AsSpan(layout.Embedding, a.EmbeddingSize).Clear();

        // Lengths include a zero-length sequence (pools to zeros) and padding in every batch.
        int[] lengths = [5, 2, 0, 7, 4];
        int B = lengths.Length;
        int[] labels = lengths.Select((_, i) => regression ? 0 : i % a.NumberOfClasses).ToArray();
        double[][] targets = lengths.Select(_ => Enumerable.Range(0, a.NumberOfOutputs).Select(_ => Math.Round(rng.NextDouble() * 4 - 2, 3)).ToArray()).ToArray();
        List<float[]> targetRows = targets.Select(t => t.Select(v => (float)v).ToArray()).ToList();
        double[] weights = lengths.Select((_, i) => 0.5 + 0.25 * i).ToArray();
        SequenceDataset data;
        List<int[]>? tokenSeqs = null;
        List<float[]>? featureSeqs = null;
        if (a.InputKind == SequenceInputKind.Tokens)
        {
            // Ids include padding (0), unknown (1) and an out-of-range id (read as unknown).
            tokenSeqs = lengths.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(0, a.VocabularySize + 2)).ToArray()).ToList();
            data = regression ? SequenceDataset.ForRegression(tokenSeqs, targetRows, weights.Select(w => (float)w).ToList())
                : SequenceDataset.FromTokens(tokenSeqs, labels, weights.Select(w => (float)w).ToList());
        }
        else
        {
            featureSeqs = lengths.Select(n => Enumerable.Range(0, n * a.FeaturesPerStep).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToList();
            data = regression ? SequenceDataset.ForRegression(featureSeqs, a.FeaturesPerStep, targetRows, weights.Select(w => (float)w).ToList())
                : SequenceDataset.FromFeatures(featureSeqs, a.FeaturesPerStep, labels, weights.Select(w => (float)w).ToList());
        }

        // Engine: forward + backward.
        var net = new RecurrentNetwork(layout, p);
        var batch = new PackedBatch();
        batch.Pack(data, Enumerable.Range(0, B).ToArray(), default);
        var ws = new Workspace(layout.Architecture);
        var gradients = new float[layout.Count];
        var shard = batch.Shard(0);
        net.Forward(ws, shard, training: true, 0);
        var engineLogits = ws.Logits.AsSpan(0, B * a.LogitCount).ToArray();
        if (regression)
        {
            float[] sorted = Enumerable.Range(0, B).SelectMany(r => targetRows[batch.Order[r]]).ToArray();
            net.BackwardRegression(ws, shard, gradients, sorted, batch.Weights.AsSpan(0, B), 1f / batch.TotalWeight(), loss, huberDelta);
        }
        else net.Backward(ws, shard, gradients, batch.Labels.AsSpan(0, B), batch.Weights.AsSpan(0, B), 1f / batch.TotalWeight());
        float[] analytic = gradients;

        var reference = new ReferenceNetwork(a, layout);
        double[] pd = p.Select(v => (double)v).ToArray();
        IReadOnlyList<double[][]> Inputs(double[] q) => tokenSeqs is not null
            ? tokenSeqs.Select(s => reference.Embed(q, s)).ToList()
            : featureSeqs!.Select(s => Enumerable.Range(0, s.Length / a.FeaturesPerStep).Select(t => s.AsSpan(t * a.FeaturesPerStep, a.FeaturesPerStep).ToArray().Select(v => (double)v).ToArray()).ToArray()).ToList();

        // The reference agrees with the engine's forward pass.
        var refLogits = new double[engineLogits.Length];
        var inputs = Inputs(pd);
        for (int r = 0; r < B; r++)
        {
            double[] l = reference.Logits(pd, inputs[batch.Order[r]]);
            for (int k = 0; k < a.LogitCount; k++) refLogits[r * a.LogitCount + k] = l[k];
        }
        TorchParityTests.AssertClose(refLogits, engineLogits.Select(v => (double)v).ToArray(), 1e-5, $"{name} logits vs reference");

        // Every parameter of every tensor (the networks are small), central differences in double.
        const double eps = 1e-5;
        var numeric = new double[p.Length];
        double Loss(double[] q) => regression ? reference.RegressionLoss(q, Inputs(q), targets, weights, loss, huberDelta) : reference.Loss(q, Inputs(q), labels, weights);
        for (int i = 0; i < p.Length; i++)
        {
            double keep = pd[i];
            pd[i] = keep + eps;
            double up = Loss(pd);
            pd[i] = keep - eps;
            double down = Loss(pd);
            pd[i] = keep;
            numeric[i] = (up - down) / (2 * eps);
        }
        foreach (var t in layout.Tensors)
            TorchParityTests.AssertClose(numeric.AsSpan(t.Offset, t.Length).ToArray(), analytic.AsSpan(t.Offset, t.Length).ToArray().Select(v => (double)v).ToArray(),
                2e-3, $"{name} d {t.Name}");
        // The padding embedding row never receives gradient.
        if (layout.Embedding >= 0) Assert.All(analytic.AsSpan(layout.Embedding, a.EmbeddingSize).ToArray(), g => Assert.Equal(0f, g));
    }
}
