using Microsoft.ML.Recurrent.Model;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>
/// The Jordan cell beyond its gradients (GradientCheckTests): parameter layout, learning, the model file, and what
/// cannot take it (ONNX, other cells).
/// </summary>
public class JordanTests
{
    private static RecurrentArchitecture Jordan(int outputSize, ClassificationKind head = ClassificationKind.Binary) => new()
    {
        Cell = RecurrentCellType.Rnn, Recurrence = RnnRecurrence.Jordan, JordanOutputSize = outputSize,
        InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 16, Classification = head,
    };

    [Fact]
    public void TheRecurrenceRunsThroughAnOutputOfItsOwnSize()
    {
        var model = RecurrentModel.FromParameters(Jordan(3), new float[ParameterLayout.CountParameters(Jordan(3))]);
        var shapes = model.Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([16, 2], shapes["weight_ih_l0"]);
        Assert.Equal([16, 3], shapes["weight_hy_l0"]);
        Assert.Equal([16], shapes["bias_hy_l0"]);
        Assert.Equal([3, 16], shapes["weight_yh_l0"]);
        Assert.Equal([3], shapes["bias_yh_l0"]);
        Assert.DoesNotContain("weight_hh_l0", shapes.Keys);
        Assert.Equal(16, (Jordan(0) with { }).RecurrentSize);
        var e = Assert.Throws<ArgumentException>(() => (Jordan(3) with { Cell = RecurrentCellType.Lstm }).Validate());
        Assert.Contains("Elman unless Cell is Rnn", e.Message);
    }

    [Fact]
    public void LearnsASignOfTheSumTaskAndRoundTripsThroughTheModelFileAsVersion2()
    {
        // Label = whether the first feature sums to more than 0 over a 5..20-step sequence.
        var rng = new Random(4);
        List<float[]> seqs = [];
        List<int> labels = [];
        for (int i = 0; i < 1200; i++)
        {
            int n = rng.Next(5, 21);
            var x = Enumerable.Range(0, 2 * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            float sum = 0;
            for (int t = 0; t < n; t++) sum += x[2 * t];
            seqs.Add(x);
            labels.Add(sum > 0 ? 1 : 0);
        }
        var train = SequenceDataset.FromFeatures(seqs[..1000], 2, labels[..1000]);
        var test = SequenceDataset.FromFeatures(seqs[1000..], 2, labels[1000..]);
        var model = RecurrentTrainer.Train(Jordan(4), new TrainingOptions { Epochs = 12, BatchSize = 32, LearningRate = 1e-2f, Seed = 2, NumberOfThreads = 2 }, train).Model;
        double accuracy = model.Evaluate(test).Accuracy;
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:F3}");

        var ms = new MemoryStream();
        model.Save(ms);
        byte[] bytes = ms.ToArray();
        Assert.Equal(2u, BitConverter.ToUInt32(bytes, 8));
        var loaded = RecurrentModel.Load(new MemoryStream(bytes));
        Assert.Equal(model.Architecture, loaded.Architecture);
        Assert.Equal(model.PredictProbabilities(seqs[1100]), loaded.PredictProbabilities(seqs[1100]));
        foreach (int n in Enumerable.Range(0, 100).Concat([bytes.Length - 1]))
            Assert.Throws<InvalidDataException>(() => RecurrentModel.Load(new MemoryStream(bytes, 0, n)));
    }

    [Fact]
    public void OnnxExportRefusesAJordanCellByName()
    {
        var a = Jordan(2);
        var model = RecurrentModel.FromParameters(a, new float[ParameterLayout.CountParameters(a)]);
        var e = Assert.Throws<NotSupportedException>(() => model.ExportOnnx(new MemoryStream()));
        Assert.Contains("Jordan", e.Message);
    }
}
