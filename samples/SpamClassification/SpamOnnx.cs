using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples.SpamClassification;

/// <summary>
/// Deploying the LSTM pipeline with ONNX: export it with <c>mlContext.Model.ConvertToOnnx</c>, score the test split in
/// ONNX Runtime and evaluate ONNX Runtime's outputs with ML.NET's own evaluator.
/// </summary>
/// <remarks>
/// <para>
/// What is exported is the fitted chain from the recurrent classifier on (vocabulary lookup, LSTM, sigmoid), and ONNX
/// Runtime is given the tokens ML.NET's <c>NormalizeText → TokenizeIntoWords</c> produce. Neither text step runs
/// correctly in ONNX Runtime with the sample's options (ML.NET 5.0.1, ONNX Runtime 1.31.1):
/// </para>
/// <list type="bullet">
/// <item><c>NormalizeText</c> (lower case, diacritics removed): with <c>keepDiacritics: false</c> ML.NET's converter writes
/// nothing for it (the tokenizer after it then fails to find its input); with <c>keepDiacritics: true</c> it becomes ONNX's
/// <c>StringNormalizer</c>, whose lower-casing in ONNX Runtime on Linux and macOS needs the <c>en_US.UTF-8</c> locale
/// installed.</item>
/// <item><c>TokenizeIntoWords</c> with the sample's separators: ML.NET writes each separator character as is into the
/// <c>com.microsoft</c> <c>Tokenizer</c>'s <c>separators</c>, which ONNX Runtime reads as regular expressions: <c>'?'</c>
/// fails to load ("no argument for repetition operator") and <c>'.'</c> would match every character.
/// (Its default separator, the space, exports fine.)</item>
/// </list>
/// <para>ML.NET exports token columns one row per call ([1, n] string input), so messages are scored one at a time.</para>
/// </remarks>
public static class SpamOnnx
{
    /// <summary>
    /// Exports <paramref name="model"/> (a fitted pipeline of text steps followed by a recurrent classifier) from the
    /// recurrent classifier on to <paramref name="onnxPath"/>, scores every row of <paramref name="test"/> (columns Text,
    /// Label) in ONNX Runtime, fed the tokens ML.NET's text steps produce, and with ML.NET, and evaluates ONNX Runtime's
    /// scores like the ML.NET row.
    /// </summary>
    public static SpamOnnxScores ExportAndScore(MLContext mlContext, ITransformer model, IDataView test, string onnxPath)
    {
        // 1. Split the fitted pipeline: the text steps stay in ML.NET, the recurrent classifier is exported.
        List<ITransformer> steps = Flatten(model).ToList();
        int at = steps.FindIndex(t => t is RecurrentSequenceClassificationTransformer);
        if (at <= 0)
        {
            throw new ArgumentException("Expected a fitted pipeline of text steps followed by a recurrent classifier.", nameof(model));
        }

        var recurrent = (RecurrentSequenceClassificationTransformer)steps[at];
        ITransformer textSteps = new TransformerChain<ITransformer>(steps.Take(at).ToArray());
        ITransformer exported = new TransformerChain<ITransformer>(steps.Skip(at).ToArray());
        string input = recurrent.FeatureColumnName;

        // The messages' tokens, as ML.NET computes them: the exported graph's only input.
        string[][] tokens = textSteps.Transform(test).GetColumn<VBuffer<ReadOnlyMemory<char>>>(input)
            .Select(v => v.DenseValues().Select(t => t.ToString()).ToArray()).ToArray();
        bool[] labels = test.GetColumn<bool>("Label").ToArray();
        var schema = SchemaDefinition.Create(typeof(TokenizedMessage));
        schema[nameof(TokenizedMessage.Tokens)].ColumnName = input;
        IDataView tokensOnly = mlContext.Data.LoadFromEnumerable(tokens.Select(t => new TokenizedMessage { Tokens = t }), schema);

        // 2. Export: only the prediction columns as outputs.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!);
        using (FileStream file = File.Create(onnxPath))
        {
            mlContext.Model.ConvertToOnnx(exported, tokensOnly, file, "Score", "Probability", "PredictedLabel");
        }

        // 3. Score in ONNX Runtime, one message per call.
        var clock = Stopwatch.StartNew();
        var onnx = new OnnxScore[tokens.Length];
        using (var session = new InferenceSession(onnxPath))
        {
            for (int i = 0; i < tokens.Length; i++)
            {
                using var result = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<string>(tokens[i], [1, tokens[i].Length]))]);
                onnx[i] = new OnnxScore
                {
                    Label = labels[i],
                    Score = result.Single(r => r.Name == "Score.output").AsTensor<float>().GetValue(0),
                    Probability = result.Single(r => r.Name == "Probability.output").AsTensor<float>().GetValue(0),
                    PredictedLabel = result.Single(r => r.Name == "PredictedLabel.output").AsTensor<bool>().GetValue(0),
                };
            }
        }

        clock.Stop();

        // 4. ONNX Runtime's outputs evaluated by ML.NET's evaluator, exactly as the ML.NET row is.
        CalibratedBinaryClassificationMetrics metrics = mlContext.BinaryClassification.Evaluate(mlContext.Data.LoadFromEnumerable(onnx));
        SpamPrediction[] mlnet = mlContext.Data.CreateEnumerable<SpamPrediction>(model.Transform(test), reuseRowObject: false).ToArray();
        return new SpamOnnxScores(onnxPath, metrics, clock.Elapsed,
            mlnet.Select(p => p.Probability).ToArray(), onnx.Select(p => p.Probability).ToArray(),
            mlnet.Select(p => p.PredictedLabel).ToArray(), onnx.Select(p => p.PredictedLabel).ToArray());
    }

    /// <summary>Runs <see cref="ExportAndScore"/> for the sample's LSTM result, prints the comparison, and returns the row for the results table.</summary>
    internal static SpamResult Run(MLContext mlContext, SpamResult lstm, SpamData data, string outputFolder)
    {
        string path = Path.Combine(outputFolder, "spam-lstm.onnx");
        SpamOnnxScores s = AnsiConsole.Status().Start("Exporting the LSTM pipeline to ONNX and scoring the test split in ONNX Runtime…",
            _ => ExportAndScore(mlContext, lstm.Model, data.Test, path));
        AnsiConsole.MarkupLineInterpolated(
            $"[green]✓[/] {lstm.Name} exported to [blue]{SampleHost.Display(path)}[/] ({new FileInfo(path).Length / 1024.0:N0} KB), {s.Count:N0} test messages scored in ONNX Runtime in {SampleHost.FormatDuration(s.ScoringTime)}: test F1 {s.Metrics.F1Score:0.0000} (ML.NET {lstm.Metrics.F1Score:0.0000}), largest |P(spam) difference| {s.MaxProbabilityDifference:0.0e+0}, same label on {s.SameLabels:N0} of {s.Count:N0}");
        string description = $"the {lstm.Name} pipeline above exported with mlContext.Model.ConvertToOnnx from the {lstm.Name} on and run in ONNX Runtime, " +
            $"one message per call, fed the tokens of ML.NET's NormalizeText + TokenizeIntoWords (their ONNX forms do not run correctly in ONNX Runtime with these options: see README). Largest |P(spam) difference| vs ML.NET {s.MaxProbabilityDifference:0.0e+0}; " +
            $"same label on {s.SameLabels:N0} of {s.Count:N0}. Time column: the {lstm.Name}'s training (scoring took {SampleHost.FormatDuration(s.ScoringTime)})";
        return new SpamResult($"{lstm.Name} via ONNX Runtime", description, s.Metrics, lstm.TrainingTime, lstm.Model, null);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    private sealed class TokenizedMessage
    {
        public string[] Tokens { get; set; } = [];
    }

    private sealed class OnnxScore
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }
}

/// <summary>The test split scored in ONNX Runtime, next to ML.NET's scores of the same rows.</summary>
/// <param name="OnnxPath">Where the graph was written.</param>
/// <param name="Metrics">ONNX Runtime's outputs evaluated with <c>mlContext.BinaryClassification.Evaluate</c>.</param>
/// <param name="ScoringTime">ONNX Runtime's scoring time (session creation included).</param>
/// <param name="MLNetProbabilities">P(spam) from ML.NET's <c>Transform</c>, per test row.</param>
/// <param name="OnnxProbabilities">P(spam) from ONNX Runtime, per test row.</param>
/// <param name="MLNetLabels">ML.NET's predicted labels.</param>
/// <param name="OnnxLabels">ONNX Runtime's predicted labels.</param>
public sealed record SpamOnnxScores(string OnnxPath, CalibratedBinaryClassificationMetrics Metrics, TimeSpan ScoringTime,
    float[] MLNetProbabilities, float[] OnnxProbabilities, bool[] MLNetLabels, bool[] OnnxLabels)
{
    /// <summary>Number of test rows scored.</summary>
    public int Count => OnnxProbabilities.Length;

    /// <summary>Largest |P(spam) from ONNX Runtime − P(spam) from ML.NET| over the test rows.</summary>
    public double MaxProbabilityDifference => MLNetProbabilities.Zip(OnnxProbabilities).Select(p => Math.Abs((double)p.First - p.Second)).DefaultIfEmpty(0).Max();

    /// <summary>Rows where both predict the same label.</summary>
    public int SameLabels => MLNetLabels.Zip(OnnxLabels).Count(p => p.First == p.Second);
}
