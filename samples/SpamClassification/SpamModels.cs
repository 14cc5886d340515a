using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace Microsoft.ML.Recurrent.Samples.SpamClassification;

/// <summary>What one model reached on the test split.</summary>
internal sealed record SpamResult(string Name, string Description, double Accuracy, double Auc, double F1, double Precision, double Recall,
    TimeSpan TrainingTime, ITransformer Model, TrainingCurve? Curve);

/// <summary>Settings of the recurrent models (the tuned defaults live here; --options override them).</summary>
internal sealed record RecurrentSettings
{
    public int EmbeddingSize { get; init; } = 64;
    public int HiddenSize { get; init; } = 64;
    public bool Bidirectional { get; init; } = true;
    public SequencePooling Pooling { get; init; } = SequencePooling.Max;
    public int Epochs { get; init; } = 12;
    public int MaxSequenceLength { get; init; } = 1600;
    public int BatchSize { get; init; } = 32;
    public float LearningRate { get; init; } = 2e-3f;
    public int Patience { get; init; } = 3;
    public int MinimumTokenCount { get; init; } = 2;
    public int Layers { get; init; } = 1;
    public float Dropout { get; init; }
    public int? Threads { get; init; }

    public string Describe() =>
        $"{(Layers > 1 ? $"{Layers} layers, dropout {Dropout:0.##}, " : "")}{(Bidirectional ? "bidirectional, " : "")}embedding {EmbeddingSize}, hidden {HiddenSize}, {Pooling.ToString().ToLowerInvariant()} pooling, " +
        $"first {MaxSequenceLength} tokens, batch {BatchSize}, Adam {LearningRate:0.####}, ≤{Epochs} epochs";

    /// <summary>Fills trainer options; <paramref name="progress"/> gets the live epoch/step reports, <paramref name="cancellation"/> stops training.</summary>
    public T Apply<T>(T options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) where T : RecurrentSequenceClassifierOptions
    {
        options.Progress = progress;
        options.CancellationToken = cancellation;
        options.LabelColumnName = "Label";
        options.FeatureColumnName = "Tokens";
        options.EmbeddingSize = EmbeddingSize;
        options.HiddenSize = HiddenSize;
        options.Bidirectional = Bidirectional;
        options.Pooling = Pooling;
        options.NumberOfEpochs = Epochs;
        options.MaxSequenceLength = MaxSequenceLength;
        options.BatchSize = BatchSize;
        options.LearningRate = LearningRate;
        options.EarlyStoppingPatience = Patience;
        options.MinimumTokenCount = MinimumTokenCount;
        options.NumberOfLayers = Layers;
        options.Dropout = Dropout;
        options.NumberOfThreads = Threads;
        return options;
    }
}

/// <summary>The four pipelines compared, written the way an ML.NET user writes them.</summary>
internal static class SpamModels
{
    /// <summary>Characters that separate tokens: white space and the punctuation found in URLs, e-mail addresses and HTML.</summary>
    private static readonly char[] Separators =
        [' ', '\t', '\n', '\r', '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"', '\'', '/', '\\', '<', '>', '=', '-', '_', '*', '|', '@', '#', '&', '+', '~', '`', '^'];

    /// <summary>
    /// Text → lower-case words: the token sequence the recurrent trainers read. Punctuation splits words rather than being
    /// deleted, so "http://www.example.com/offer" gives "http www example com offer" (five known words) instead of one
    /// never-seen-before token; "$" and "%" stay inside tokens ("$100", "50%").
    /// </summary>
    public static IEstimator<ITransformer> Tokenizer(MLContext mlContext) =>
        mlContext.Transforms.Text.NormalizeText("NormalizedText", "Text",
                caseMode: TextNormalizingEstimator.CaseMode.Lower, keepDiacritics: false, keepPunctuations: true, keepNumbers: true)
            .Append(mlContext.Transforms.Text.TokenizeIntoWords("Tokens", "NormalizedText", separators: Separators));

    /// <summary>FeaturizeText's default n-grams, read from its options so the description stays true.</summary>
    private static string FeaturizeTextDefaults
    {
        get
        {
            var options = new TextFeaturizingEstimator.Options();
            static string Grams(WordBagEstimator.Options? o, string what) =>
                o is null ? $"no {what} n-grams" : $"{what} {(o.UseAllLengths ? $"1-{o.NgramLength}" : $"{o.NgramLength}")}-grams";
            return $"{Grams(options.WordFeatureExtractor, "word")} + {Grams(options.CharFeatureExtractor, "char")}, L2-normalised";
        }
    }

    /// <summary>ML.NET's bag of word and character n-grams + averaged perceptron (no calibrator: evaluated non-calibrated).</summary>
    public static SpamResult AveragedPerceptron(MLContext mlContext, SpamSplits data)
    {
        var pipeline = mlContext.Transforms.Text.FeaturizeText("Features", "Text")
            .AppendCacheCheckpoint(mlContext)  // the trainer makes several passes: featurize once
            .Append(mlContext.BinaryClassification.Trainers.AveragedPerceptron("Label", "Features"));
        var clock = Stopwatch.StartNew();
        ITransformer model = pipeline.Fit(data.Train);
        clock.Stop();
        var metrics = mlContext.BinaryClassification.EvaluateNonCalibrated(model.Transform(data.Test), "Label");
        return Result("AveragedPerceptron", $"FeaturizeText ({FeaturizeTextDefaults}) + AveragedPerceptron", metrics, clock.Elapsed, model, null);
    }

    /// <summary>ML.NET's bag of n-grams + SDCA logistic regression.</summary>
    public static SpamResult SdcaLogisticRegression(MLContext mlContext, SpamSplits data)
    {
        var pipeline = mlContext.Transforms.Text.FeaturizeText("Features", "Text")
            .AppendCacheCheckpoint(mlContext)
            .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression("Label", "Features"));
        var clock = Stopwatch.StartNew();
        ITransformer model = pipeline.Fit(data.Train);
        clock.Stop();
        var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(data.Test), "Label");
        return Result("SdcaLogisticRegression", $"FeaturizeText ({FeaturizeTextDefaults}) + SdcaLogisticRegression", metrics, clock.Elapsed, model, null);
    }

    /// <summary>
    /// Tokens → LSTM or GRU. The tokenizer is fitted first so the recurrent trainer can be given both the training and the
    /// validation data (<c>Fit(train, validation)</c>: early stopping keeps the epoch with the lowest validation loss);
    /// the two fitted pieces are then chained into one model, saved and loaded like any ML.NET pipeline.
    /// </summary>
    public static SpamResult Recurrent(MLContext mlContext, SpamSplits data, RecurrentCellType cell, RecurrentSettings settings, TrainingDisplay display,
        CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        ITransformer tokenizer = Tokenizer(mlContext).Fit(data.Fit);
        IDataView trainTokens = tokenizer.Transform(data.Fit);
        IDataView validationTokens = tokenizer.Transform(data.Validation);

        // The display receives the trainer's progress reports (Options.Progress); they also go to MLContext.Log.
        display.Status("reading tokens and building the vocabulary");
        RecurrentSequenceClassificationTransformer recurrent = cell == RecurrentCellType.Lstm
            ? mlContext.BinaryClassification.Trainers.Lstm(settings.Apply(new LstmSequenceClassifierTrainer.Options(), display, cancellation)).Fit(trainTokens, validationTokens)
            : mlContext.BinaryClassification.Trainers.Gru(settings.Apply(new GruSequenceClassifierTrainer.Options(), display, cancellation)).Fit(trainTokens, validationTokens);

        ITransformer model = new TransformerChain<ITransformer>(tokenizer, recurrent);
        clock.Stop();
        var metrics = mlContext.BinaryClassification.Evaluate(model.Transform(data.Test), "Label");
        string name = cell == RecurrentCellType.Lstm ? "LSTM" : "GRU";
        int best = settings.Patience > 0 ? BestEpoch(recurrent.TrainingHistory) : recurrent.TrainingHistory.Count;
        var curve = new TrainingCurve(name, recurrent.TrainingHistory, best);
        return Result(name, $"NormalizeText + TokenizeIntoWords + {name} ({settings.Describe()}; {recurrent.Vocabulary.Count:N0} tokens; kept epoch {best} of {recurrent.TrainingHistory.Count})",
            metrics, clock.Elapsed, model, curve);
    }

    /// <summary>The epoch with the lowest validation loss: the one early stopping keeps.</summary>
    private static int BestEpoch(IReadOnlyList<EpochSummary> history)
    {
        var withValidation = history.Where(e => e.ValidationLoss.HasValue).ToList();
        return withValidation.Count == 0 ? history.Count : withValidation.MinBy(e => e.ValidationLoss!.Value).Epoch;
    }

    private static SpamResult Result(string name, string description, BinaryClassificationMetrics m, TimeSpan time, ITransformer model, TrainingCurve? curve) =>
        new(name, description, m.Accuracy, m.AreaUnderRocCurve, m.F1Score, m.PositivePrecision, m.PositiveRecall, time, model, curve);
}
