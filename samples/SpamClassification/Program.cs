// Spam filtering on the SpamAssassin public corpus: an LSTM and a GRU (Microsoft.ML.Recurrent) in ordinary ML.NET
// pipelines, next to ML.NET's bag-of-n-grams trainers, all scored on the same fixed test split.
// Run: eng/spam.sh (eng/spam.sh --help lists the options). The console output is in SpamConsole.cs, the command line
// in SpamArguments.cs, the data rows and the split in SpamData.cs.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Samples;
using Microsoft.ML.Recurrent.Samples.SpamClassification;
using Microsoft.ML.Transforms.Text;

return SampleHost.Run(cancellation => Run(SpamArguments.Parse(args), cancellation));

static int Run(SpamArguments arguments, CancellationToken cancellation)
{
    if (arguments.ClassifyWithSavedModel)
    {
        Classify(arguments.ModelPath, arguments.Messages);
        return 0;
    }

    SpamConsole.PrintTitle();
    var mlContext = new MLContext(seed: arguments.Seed);

    // 1. Data: each e-mail as a (Text, Label) row; a fixed split by the message's MD5 into train (fit + validation) and test.
    SpamData data = SpamConsole.Load(arguments.DataFolder, () => SpamData.Load(mlContext, arguments.DataFolder));

    // 2. ML.NET's own text classifiers: a bag of word and character n-grams + a linear model, fitted on the training split.
    var results = new List<SpamResult>();
    if (arguments.Runs("perceptron"))
    {
        var perceptron = mlContext.Transforms.Text.FeaturizeText("Features", "Text")
            .AppendCacheCheckpoint(mlContext)  // the trainer makes several passes: featurize once
            .Append(mlContext.BinaryClassification.Trainers.AveragedPerceptron("Label", "Features"));
        results.Add(SpamConsole.Train("AveragedPerceptron", () => perceptron.Fit(data.Train),
            model => mlContext.BinaryClassification.EvaluateNonCalibrated(model.Transform(data.Test))));  // no probability
    }

    if (arguments.Runs("sdca"))
    {
        var sdca = mlContext.Transforms.Text.FeaturizeText("Features", "Text")
            .AppendCacheCheckpoint(mlContext)
            .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression("Label", "Features"));
        results.Add(SpamConsole.Train("SdcaLogisticRegression", () => sdca.Fit(data.Train),
            model => mlContext.BinaryClassification.Evaluate(model.Transform(data.Test))));
    }

    // 3. LSTM and GRU. The text becomes lower-case words; punctuation splits words rather than being deleted, so
    //    "http://www.example.com/offer" gives five known words instead of one never-seen token ("$" and "%" stay).
    char[] separators = [' ', '\t', '\n', '\r', '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"', '\'', '/', '\\', '<', '>', '=', '-', '_', '*', '|', '@', '#', '&', '+', '~', '`', '^'];
    var tokenize = mlContext.Transforms.Text.NormalizeText("NormalizedText", "Text", TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false, keepPunctuations: true, keepNumbers: true)
        .Append(mlContext.Transforms.Text.TokenizeIntoWords("Tokens", "NormalizedText", separators));

    // Early stopping scores validation rows after every epoch; like ML.NET's own trainers' validation sets, they are
    // given in the trainer's input form: tokens.
    IDataView validationTokens = tokenize.Fit(data.Fit).Transform(data.Validation);

    // The same options for both cells: tuned on the validation split; --quick and the other options override them.
    TOptions Options<TOptions>(IProgress<TrainingProgress> progress) where TOptions : RecurrentSequenceClassifierOptions, new() =>
        arguments.Override(new TOptions
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Tokens",
            EmbeddingSize = 64,
            HiddenSize = 64,
            Bidirectional = true,
            Pooling = SequencePooling.Max,
            MaxSequenceLength = 1600,        // tokens read per message
            MinimumTokenCount = 2,           // vocabulary: words seen at least twice
            NumberOfEpochs = 12,
            ValidationSet = validationTokens,
            EarlyStoppingPatience = 3,       // keeps the epoch with the lowest validation loss
            BatchSize = 32,
            LearningRate = 2e-3f,
            Progress = progress,             // live progress display (also logged to MLContext.Log)
            CancellationToken = cancellation,
        });

    foreach (string name in new[] { "LSTM", "GRU" }.Where(m => arguments.Runs(m.ToLowerInvariant())))
    {
        results.Add(SpamConsole.TrainRecurrent(name, progress =>
        {
            RecurrentSequenceClassifierTrainer trainer = name == "LSTM"
                ? mlContext.BinaryClassification.Trainers.Lstm(Options<LstmSequenceClassifierTrainer.Options>(progress))
                : mlContext.BinaryClassification.Trainers.Gru(Options<GruSequenceClassifierTrainer.Options>(progress));
            return tokenize.Append(trainer).Fit(data.Fit);
        }, model => mlContext.BinaryClassification.Evaluate(model.Transform(data.Test))));
    }

    // Opt-in reduced precision: each recurrent model again on the test split, with its recurrent products in int8
    // (InferencePrecision.Int8: faster scoring, results within a small bound of fp32; not saved with the model).
    foreach (SpamResult recurrent in results.Where(r => r.Curve is not null).ToList())
    {
        ITransformer int8 = recurrent.Model.WithPrecision(InferencePrecision.Int8);
        results.Insert(results.IndexOf(recurrent) + 1, SpamConsole.Int8Row(recurrent, int8,
            mlContext.BinaryClassification.Evaluate(int8.Transform(data.Test)), data.Test));
    }

    // ONNX: the LSTM pipeline exported with ConvertToOnnx and the test split scored in ONNX Runtime (SpamOnnx.cs).
    if (results.FindIndex(r => r.Name == "LSTM") is int lstm and >= 0)
    {
        results.Insert(lstm + 1, SpamOnnx.Run(mlContext, results[lstm], data, arguments.OutputFolder));
    }

    SpamConsole.PrintResults(results, data);
    SpamConsole.PrintCurves(results, arguments.OutputFolder);

    // 4. Save the LSTM pipeline (or the first recurrent model trained), load it in a fresh MLContext, check that it
    //    scores the test split identically, and classify a few messages with a PredictionEngine.
    if ((results.FirstOrDefault(r => r.Name == "LSTM") ?? results.FirstOrDefault(r => r.Curve is not null)) is not { } best)
    {
        return 0;
    }

    string path = best.Name == "LSTM" ? arguments.ModelPath : Path.Combine(arguments.OutputFolder, $"spam-{best.Name.ToLowerInvariant()}.zip");
    mlContext.Model.Save(best.Model, data.Test.Schema, path);
    ITransformer loaded = new MLContext(seed: 0).Model.Load(path, out _);
    SpamConsole.PrintSaved(best.Name, path, Scores(mlContext, best.Model.Transform(data.Test)), Scores(mlContext, loaded.Transform(data.Test)));
    Classify(path, arguments.Messages.Count > 0 ? arguments.Messages : SpamConsole.DemoMessages);
    return 0;
}

// Serving: load the saved pipeline and classify messages one at a time with a PredictionEngine.
static void Classify(string modelPath, IEnumerable<string> messages)
{
    var mlContext = new MLContext(seed: 0);
    ITransformer model = mlContext.Model.Load(modelPath, out _);
    using var engine = mlContext.Model.CreatePredictionEngine<SpamInput, SpamPrediction>(model);
    SpamConsole.PrintVerdicts(modelPath, messages.Select(text => (text, engine.Predict(new SpamInput { Text = text }))));
}

static float[] Scores(MLContext mlContext, IDataView scored) =>
    mlContext.Data.CreateEnumerable<SpamPrediction>(scored, reuseRowObject: false).Select(p => p.Score).ToArray();
