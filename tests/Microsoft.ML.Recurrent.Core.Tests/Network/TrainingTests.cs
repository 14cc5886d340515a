using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>Learning behaviour end to end through <see cref="RecurrentTrainer"/>.</summary>
public class TrainingTests(ITestOutputHelper output)
{
    /// <summary>
    /// The label is written in the first of <paramref name="steps"/> steps, followed by noise: the network must carry
    /// one bit across all of them. Gated cells keep it (the forget gate holds c); a plain tanh RNN's gradient vanishes.
    /// </summary>
    internal static (SequenceDataset Train, SequenceDataset Test) LongMemoryTask(int steps, int count, int seed)
    {
        var rng = new Random(seed);
        SequenceDataset Make(int n)
        {
            var seqs = new List<float[]>();
            var labels = new List<int>();
            for (int i = 0; i < n; i++)
            {
                int label = rng.Next(2);
                var x = new float[steps * 2];
                x[0] = 1f;                       // marker: "this step carries the label"
                x[1] = label == 1 ? 1f : -1f;
                for (int t = 1; t < steps; t++) x[2 * t + 1] = (float)(rng.NextDouble() * 2 - 1);
                seqs.Add(x);
                labels.Add(label);
            }
            return SequenceDataset.FromFeatures(seqs, 2, labels);
        }
        return (Make(count), Make(count / 4));
    }

    /// <summary>
    /// The textbook story on 150 steps with the library's defaults (learning rate, batch size, optimizer, clipping,
    /// LSTM forget-gate bias 1, GRU chrono update-gate bias), judged by the median over three seeds (whether one run
    /// finds the memory solution is a matter of luck; which cell finds it most of the time is not). Only the size of
    /// the network (16 units) and the number of epochs (25) are chosen for the task. Gated cells keep the bit (the
    /// forget gate holds c; the update gate holds h); the plain tanh RNN's gradient vanishes.
    /// </summary>
    [Fact]
    public void GatedCellsRememberAcross150StepsWithDefaultOptionsAndPlainRnnDoesNot()
    {
        double lstm = MedianAccuracy(RecurrentCellType.Lstm, GruResetMode.AfterRecurrentProduct, steps: 150, hidden: 16, epochs: 25);
        double gru = MedianAccuracy(RecurrentCellType.Gru, GruResetMode.AfterRecurrentProduct, steps: 150, hidden: 16, epochs: 25);
        double gruTextbook = MedianAccuracy(RecurrentCellType.Gru, GruResetMode.BeforeRecurrentProduct, steps: 150, hidden: 16, epochs: 25);
        double rnn = MedianAccuracy(RecurrentCellType.Rnn, GruResetMode.AfterRecurrentProduct, steps: 150, hidden: 16, epochs: 25);
        Assert.True(lstm >= 0.95, $"LSTM median accuracy {lstm:F3}");
        Assert.True(gru >= 0.95, $"GRU median accuracy {gru:F3}");
        Assert.True(gruTextbook >= 0.95, $"GRU (reset before the recurrent product) median accuracy {gruTextbook:F3}");
        Assert.True(rnn <= 0.75, $"The plain RNN's median accuracy is {rnn:F3}: the task no longer needs long memory");
    }

    /// <summary>
    /// Without the chrono start (update-gate bias 0, PyTorch's) the GRU stays at chance on the same task and budget:
    /// the default is what makes it work, not the task being easy.
    /// </summary>
    [Fact]
    public void GruWithAZeroUpdateGateBiasDoesNotRememberAcross150Steps()
    {
        double gru = MedianAccuracy(RecurrentCellType.Gru, GruResetMode.AfterRecurrentProduct, steps: 150, hidden: 16, epochs: 25, updateGateTimescale: 0);
        Assert.True(gru <= 0.75, $"GRU median accuracy with a zero update-gate bias is {gru:F3}");
    }

    /// <summary>
    /// How far the defaults reach: one bit across 300 and 1,000 steps, LSTM and GRU, 32 units, 30 epochs, three seeds
    /// (about two minutes per cell at 1,000 steps on 2 cores). Measured (seeds 1, 2, 3): 300 steps, LSTM 0.512 / 1.000 /
    /// 1.000 and GRU 1.000 / 1.000 / 1.000; 1,000 steps, LSTM 1.000 / 0.457 / 0.461 and GRU 1.000 / 0.574 / 1.000.
    /// So both carry a bit 1,000 steps with default options, the GRU (chrono start) in most runs, the LSTM (forget
    /// bias 1) in some: the notes' "100s of steps, not 1000s" is a statement about reliability within a budget, not
    /// about capacity. The assertions hold those counts: at least <paramref name="seedsThatLearn"/> of the three.
    /// </summary>
    [LongTheory]
    [InlineData(RecurrentCellType.Lstm, 300, 2)]
    [InlineData(RecurrentCellType.Gru, 300, 2)]
    [InlineData(RecurrentCellType.Lstm, 1000, 1)]
    [InlineData(RecurrentCellType.Gru, 1000, 2)]
    public void GatedCellsRememberAcrossLongSequencesWithDefaultOptions(RecurrentCellType cell, int steps, int seedsThatLearn)
    {
        var accuracies = Accuracies(cell, GruResetMode.AfterRecurrentProduct, steps, hidden: 32, epochs: 30);
        Assert.True(accuracies.Count(a => a >= 0.95) >= seedsThatLearn,
            $"{cell} across {steps} steps: accuracies {string.Join(", ", accuracies.Select(a => a.ToString("F3")))}; expected at least {seedsThatLearn} of 3 at >= 0.95");
    }

    private double MedianAccuracy(RecurrentCellType cell, GruResetMode reset, int steps, int hidden, int epochs, int? updateGateTimescale = null)
        => Accuracies(cell, reset, steps, hidden, epochs, updateGateTimescale).Order().ElementAt(1);

    /// <summary>Test accuracy of one training run per seed (1, 2, 3) on the long-memory task.</summary>
    private List<double> Accuracies(RecurrentCellType cell, GruResetMode reset, int steps, int hidden, int epochs, int? updateGateTimescale = null)
    {
        var runs = new List<double>();
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var (train, test) = LongMemoryTask(steps, 1024, seed);
            var a = new RecurrentArchitecture { Cell = cell, GruReset = reset, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = hidden, Classification = ClassificationKind.Binary };
            var options = new TrainingOptions { Epochs = epochs, Seed = seed, NumberOfThreads = 2 };
            if (updateGateTimescale is { } t) options = options with { UpdateGateTimescale = t };
            runs.Add(RecurrentTrainer.Train(a, options, train).Model.Evaluate(test).Accuracy);
        }
        output.WriteLine($"{cell} ({reset}, {steps} steps, {epochs} epochs): test accuracies {string.Join(", ", runs.Select(r => r.ToString("F3")))}");
        return runs;
    }
}
