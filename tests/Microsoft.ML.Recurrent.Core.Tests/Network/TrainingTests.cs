using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>Learning behaviour end to end through <see cref="RecurrentTrainer"/>.</summary>
public class TrainingTests(ITestOutputHelper output)
{
    /// <summary>
    /// The label is written in the first of 100 steps, followed by 99 steps of noise: the network must carry one bit
    /// across 100 steps. Gated cells keep it (the forget gate holds c); a plain tanh RNN's gradient vanishes.
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

    [Fact]
    public void GatedCellsRememberAcross100StepsAndPlainRnnDoesNot()
    {
        var (train, test) = LongMemoryTask(100, 1024, 7);
        var options = new TrainingOptions { Epochs = 8, BatchSize = 32, LearningRate = 1e-2f, Seed = 3, NumberOfThreads = 2 };
        double Accuracy(RecurrentCellType cell)
        {
            var a = new RecurrentArchitecture { Cell = cell, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 16, Classification = ClassificationKind.Binary };
            var result = RecurrentTrainer.Train(a, options, train);
            double acc = result.Model.Evaluate(test).Accuracy;
            output.WriteLine($"{cell}: test accuracy {acc:F3}, final training loss {result.History[^1].TrainingLoss:F4}");
            return acc;
        }
        double lstm = Accuracy(RecurrentCellType.Lstm), gru = Accuracy(RecurrentCellType.Gru), rnn = Accuracy(RecurrentCellType.Rnn);
        Assert.True(lstm >= 0.95, $"LSTM reached only {lstm:F3}");
        Assert.True(gru >= 0.95, $"GRU reached only {gru:F3}");
        Assert.True(rnn <= 0.75, $"The plain RNN reached {rnn:F3}: the task no longer needs long memory");
    }
}
