// The engine on its own, without ML.NET.
//   dotnet run -c Release --project samples/EngineQuickstart -- [mnist] [epochs]   MNIST rows (28 steps of 28 pixels) read by a GRU
//   dotnet run -c Release --project samples/EngineQuickstart -- spam [epochs]      a bidirectional LSTM spam filter on SpamAssassin
using System.Diagnostics;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Samples;
using Microsoft.ML.Recurrent.Samples.EngineQuickstart;

bool spam = args.Length > 0 && args[0] == "spam";
string[] rest = args.Length > 0 && args[0] is "spam" or "mnist" ? args[1..] : args;
int epochs = rest.Length > 0 && int.TryParse(rest[0], out int e) ? e : spam ? 12 : 3;
try
{
    return spam ? EngineSpam.Run(epochs) : Mnist(epochs);
}
catch (Exception ex) when (ex is InvalidOperationException or IOException)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

static int Mnist(int epochs)
{
    var digits = MnistDigits.Load();

    SequenceDataset Dataset(bool test)
    {
        var rows = digits.Where(d => d.IsTest == test).ToList();
        return SequenceDataset.FromFeatures(rows.Select(d => d.Pixels).ToList(), MnistDigits.ImageSize, rows.Select(d => d.Label).ToList());
    }
    var train = Dataset(test: false);
    var test = Dataset(test: true);

    var architecture = new RecurrentArchitecture
    {
        Cell = RecurrentCellType.Gru,
        InputKind = SequenceInputKind.Features,
        FeaturesPerStep = MnistDigits.ImageSize,
        HiddenSize = 128,
        NumberOfClasses = 10,
    };
    var options = new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = 1e-3f, GradientClipNorm = 5f, Seed = 1 };
    var progress = new Progress<TrainingProgress>(p =>
    {
        if (p.EpochCompleted) Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F4}  {p.SequencesPerSecond:N0} sequences/s");
    });

    var clock = Stopwatch.StartNew();
    var result = RecurrentTrainer.Train(architecture, options, train, validation: null, progress);
    Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s");

    var evaluation = result.Model.Evaluate(test);
    Console.WriteLine($"test accuracy {evaluation.Accuracy:P2} on {evaluation.Count} digits");

    // Save, load, and predict one digit.
    string path = Path.Combine(Path.GetTempPath(), "mnist-gru.rnnmodel");
    result.Model.Save(path);
    var loaded = RecurrentModel.Load(path);
    var digit = digits.First(d => d.IsTest);
    float[] probabilities = loaded.PredictProbabilities(digit.Pixels);
    Console.WriteLine($"digit labelled {digit.Label} predicted as {Array.IndexOf(probabilities, probabilities.Max())} (p = {probabilities.Max():F3}); model saved to {path}");
    return 0;
}
