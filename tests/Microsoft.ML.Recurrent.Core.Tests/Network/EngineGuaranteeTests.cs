using Microsoft.ML.Recurrent.Layers;
using Xunit;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>Issue #11's engine guarantees: predictor scratch sized by activations, a stable softmax, early stopping's NaN rule.</summary>
public class EngineGuaranteeTests
{
    [Fact]
    public void APredictingThreadAllocatesFarLessThanTheModel()
    {
        // 4M parameters (16 MB), almost all in the embedding: the per-thread scratch must hold activations only.
        var a = new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Tokens, VocabularySize = 62_500, EmbeddingSize = 64, HiddenSize = 32 };
        var model = RecurrentModel.FromParameters(a, new float[new ParameterLayout(a).Count]);
        long parameterBytes = model.Parameters.Length * sizeof(float);
        var predictor = model.CreatePredictor();
        var tokens = Enumerable.Range(2, 50).ToArray();
        long allocated = 0;
        var thread = new Thread(() =>
        {
            var probs = new float[2];
            long before = GC.GetAllocatedBytesForCurrentThread();
            predictor.PredictProbabilities(tokens, probs);   // first call on this thread: creates its scratch
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();
        Assert.True(allocated > 0, "the first prediction on a thread should create its scratch");
        Assert.True(allocated < parameterBytes / 50, $"a new predicting thread allocated {allocated:N0} B for a {parameterBytes:N0} B model");
    }

    [Fact]
    public void SoftmaxProbabilitiesStayFiniteForHugeLogits()
    {
        // Logits of ±1e4 (far past exp's float range at 88.7): the softmax subtracts the maximum first.
        var a = new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 8, NumberOfClasses = 4 };
        var layout = new ParameterLayout(a);
        var p = new float[layout.Count];
        float[] bias = [1e4f, 1e4f - 1f, -1e4f, 100f];
        bias.CopyTo(p.AsSpan(layout.HeadBias));
        var model = RecurrentModel.FromParameters(a, p);
        float[] probs = model.PredictProbabilities(new float[] { 0.5f, -0.5f, 1f, 2f });
        Assert.All(probs, q => Assert.True(float.IsFinite(q) && q >= 0, $"probability {q}"));
        Assert.Equal(1 / (1 + Math.Exp(-1)), probs[0], 6);
        Assert.Equal(1 / (1 + Math.Exp(1)), probs[1], 6);
        Assert.Equal(0f, probs[2]);
        var eval = model.Evaluate(SequenceDataset.FromFeatures([new float[] { 1, 1 }, new float[] { 1, 1 }], 2, [0, 2]));
        Assert.True(double.IsFinite(eval.Loss), $"loss {eval.Loss}");
    }

    [Fact]
    public void ValidationDuringTrainingEqualsEvaluatingTheModel()
    {
        // Validation runs forward only on the training pool over the live weights; with one epoch its score is the
        // returned model's, on any number of threads.
        var train = ModelTests.KeywordTask(96, 3).Data;
        var validation = ModelTests.KeywordTask(150, 4).Data;
        foreach (int threads in new[] { 1, 3 })
        {
            var result = RecurrentTrainer.Train(ModelTests.KeywordArchitecture(), new TrainingOptions { Epochs = 1, BatchSize = 32, NumberOfThreads = threads }, train, validation);
            var e = result.Model.Evaluate(validation);
            Assert.Equal(e.Loss, result.History[0].ValidationLoss);
            Assert.Equal(e.Accuracy, result.History[0].ValidationAccuracy);
        }
    }
}
