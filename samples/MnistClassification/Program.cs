// MNIST as sequences: each 28×28 digit is read as 28 steps (rows) of 28 pixels by an LSTM (Lab01) and a GRU (Lab02)
// trained through ML.NET, with the PyTorch reference setup. Run: eng/mnist.sh (eng/mnist.sh --help lists the options).
// The console output is in MnistConsole.cs, the command line and the data rows in MnistArguments.cs.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Samples;
using Microsoft.ML.Recurrent.Samples.MnistClassification;
using Microsoft.ML.Transforms;

return SampleHost.Run(cancellation => Run(MnistArguments.Parse(args), cancellation));

static int Run(MnistArguments arguments, CancellationToken cancellation)
{
    MnistConsole.PrintTitle();
    var mlContext = new MLContext(seed: arguments.Seed);

    // 1. Data: 10,000 digits as rows of 784 pixels and a label; every 5th digit of each class is test.
    IReadOnlyList<MnistDigit> digits = MnistConsole.Load(() => MnistDigits.Load());
    IDataView train = mlContext.Data.LoadFromEnumerable(digits.Where(d => !d.IsTest).Select(d => DigitRow.From(d, arguments.Binarize)).ToList());
    IDataView test = mlContext.Data.LoadFromEnumerable(digits.Where(d => d.IsTest).Select(d => DigitRow.From(d, arguments.Binarize)).ToList());
    MnistConsole.PrintData(digits, arguments);

    // 2. Label -> key, the recurrent classifier reading 28 steps of 28 pixels, predicted key -> digit.
    var mapLabel = mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
    var mapPrediction = mlContext.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel");

    // The test split is scored after every epoch as a monitor only (no early stopping), given like any validation set
    // in the trainer's input form: labels as keys.
    IDataView testMonitor = mapLabel.Fit(train).Transform(test);

    // The PyTorch reference setup: one layer, hidden 128, last hidden state -> linear, Adam 1e-3, batch 64, 10 epochs,
    // gradient clipping at global norm 5. --quick and the other options override it.
    TOptions Options<TOptions>(IProgress<TrainingProgress> progress) where TOptions : RecurrentSequenceClassifierOptions, new() =>
        arguments.Override(new TOptions
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Pixels",
            FeaturesPerStep = 28,            // 784 pixels = 28 steps of 28
            HiddenSize = 128,
            NumberOfLayers = 1,
            Pooling = SequencePooling.Last,
            NumberOfEpochs = 10,
            BatchSize = 64,
            LearningRate = 1e-3f,
            GradientClipNorm = 5f,
            ValidationSet = testMonitor,
            EarlyStoppingPatience = 0,       // a monitor only: the last epoch is kept, as in the PyTorch reference
            Seed = arguments.Seed,
            Progress = progress,
            CancellationToken = cancellation,
        });

    var results = new List<MnistResult>();
    foreach (RecurrentCellType cell in arguments.Cells)
    {
        MnistResult result = MnistConsole.Train(cell, progress =>
        {
            RecurrentSequenceClassifierTrainer trainer = cell == RecurrentCellType.Lstm
                ? mlContext.MulticlassClassification.Trainers.Lstm(Options<LstmSequenceClassifierTrainer.Options>(progress))
                : mlContext.MulticlassClassification.Trainers.Gru(Options<GruSequenceClassifierTrainer.Options>(progress));
            return mapLabel.Append(trainer).Append(mapPrediction).Fit(train);
        }, model => mlContext.MulticlassClassification.Evaluate(model.Transform(test), "Label"));
        results.Add(result);

        string path = Path.Combine(arguments.OutputFolder, $"mnist-{cell.ToString().ToLowerInvariant()}.zip");
        mlContext.Model.Save(result.Model, train.Schema, path);
        MnistConsole.PrintSaved(path);
    }

    // Opt-in reduced precision: each model again on the test split, with its recurrent products in int8
    // (InferencePrecision.Int8: faster scoring, results within a small bound of fp32; not saved with the model).
    var int8 = results.Select(r => (r.Name, Metrics: mlContext.MulticlassClassification.Evaluate(
        r.Model.WithPrecision(InferencePrecision.Int8).Transform(test), "Label"))).ToList();

    MnistConsole.PrintSummary(results, int8);
    MnistConsole.PrintCurves(results, arguments.OutputFolder);
    return 0;
}
