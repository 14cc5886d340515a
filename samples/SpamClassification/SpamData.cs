using System.Globalization;
using Microsoft.ML;

namespace Microsoft.ML.Recurrent.Samples.SpamClassification;

/// <summary>One message as the ML.NET pipelines see it.</summary>
public sealed class SpamRow
{
    /// <summary>Subject + "\n" + decoded body (headers dropped).</summary>
    public string Text { get; set; } = "";

    /// <summary>True for spam.</summary>
    public bool Label { get; set; }
}

/// <summary>A message to classify (no label).</summary>
public sealed class SpamInput
{
    /// <summary>Subject and/or body text.</summary>
    public string Text { get; set; } = "";
}

/// <summary>ML.NET's binary classification output columns.</summary>
public sealed class SpamPrediction
{
    /// <summary>True when the model says spam.</summary>
    public bool PredictedLabel { get; set; }

    /// <summary>Probability of spam.</summary>
    public float Probability { get; set; }

    /// <summary>Raw score (a logit for the recurrent models).</summary>
    public float Score { get; set; }
}

/// <summary>The corpus split three ways: train (for fitting), validation (carved from train), test.</summary>
internal sealed class SpamData
{
    /// <summary>
    /// Validation rule, inside the training split only: the SECOND byte of the message's MD5, % 8 == 0 (≈12.5% of train).
    /// The test split uses the first byte (<see cref="SpamAssassinCorpus.IsTestId"/>), so the two rules are independent
    /// and, like the test split, depend on nothing but the message id.
    /// </summary>
    public static bool IsValidationId(string id) =>
        id.Length >= 4 && byte.TryParse(id.AsSpan(2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte second)
            ? second % 8 == 0
            : StringComparer.Ordinal.GetHashCode(id) % 8 == 0;

    /// <summary>Loads the corpus (<see cref="SpamAssassinCorpus.Load"/>) and splits it.</summary>
    public static SpamData Load(MLContext mlContext, string? folder) => new(mlContext, SpamAssassinCorpus.Load(folder));

    public SpamData(MLContext mlContext, IReadOnlyList<SpamMessage> messages)
    {
        Messages = messages;
        static SpamRow Row(SpamMessage m) => new() { Text = m.Text, Label = m.IsSpam };

        // The corpus comes grouped (all ham, then all spam). Online learners such as AveragedPerceptron learn badly from
        // sorted data, so rows are put in MD5 order: a fixed pseudo-random order that needs no seed.
        List<SpamMessage> shuffled = messages.OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        TrainMessages = shuffled.Where(m => !m.IsTest).ToList();
        TestMessages = shuffled.Where(m => m.IsTest).ToList();
        FitMessages = TrainMessages.Where(m => !IsValidationId(m.Id)).ToList();
        ValidationMessages = TrainMessages.Where(m => IsValidationId(m.Id)).ToList();

        // Materialised once (cached), so every trainer reads the same rows in the same order.
        Train = mlContext.Data.LoadFromEnumerable(TrainMessages.Select(Row).ToList());
        Fit = mlContext.Data.LoadFromEnumerable(FitMessages.Select(Row).ToList());
        Validation = mlContext.Data.LoadFromEnumerable(ValidationMessages.Select(Row).ToList());
        Test = mlContext.Data.LoadFromEnumerable(TestMessages.Select(Row).ToList());
    }

    public IReadOnlyList<SpamMessage> Messages { get; }
    public List<SpamMessage> TrainMessages { get; }
    public List<SpamMessage> FitMessages { get; }
    public List<SpamMessage> ValidationMessages { get; }
    public List<SpamMessage> TestMessages { get; }

    /// <summary>The whole training split (the baselines fit on it).</summary>
    public IDataView Train { get; }

    /// <summary>Training split minus validation (the recurrent models fit on it).</summary>
    public IDataView Fit { get; }

    /// <summary>Carved from the training split: early stopping of the recurrent models.</summary>
    public IDataView Validation { get; }

    /// <summary>The fixed test split: every model is evaluated on it, and only on it.</summary>
    public IDataView Test { get; }
}
