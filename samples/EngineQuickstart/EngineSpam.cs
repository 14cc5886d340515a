using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Recurrent.Samples.EngineQuickstart;

/// <summary>
/// The spam filter of samples/SpamClassification on the engine alone (no ML.NET): the same corpus, split, network and
/// settings, with the tokenizer, vocabulary and metrics written out here. eng/spam.sh runs it when ML.NET is missing.
/// </summary>
internal static class EngineSpam
{
    private const int MaxTokens = 1600, MinCount = 2, MaxVocabulary = 20000;

    public static int Run(int epochs)
    {
        var messages = SpamAssassinCorpus.Load();
        // Validation: inside the training split, the second byte of the message's MD5 % 8 == 0 (as the ML.NET sample).
        bool IsValidation(SpamMessage m) => !m.IsTest && byte.Parse(m.Id.AsSpan(2, 2), NumberStyles.HexNumber) % 8 == 0;
        var train = messages.Where(m => !m.IsTest && !IsValidation(m)).ToList();
        var validation = messages.Where(IsValidation).ToList();
        var test = messages.Where(m => m.IsTest).ToList();

        var vocabulary = BuildVocabulary(train);
        SequenceDataset Encode(List<SpamMessage> set) => SequenceDataset.FromTokens(
            set.Select(m => Tokenize(m.Text).Take(MaxTokens).Select(t => vocabulary.GetValueOrDefault(t, RecurrentArchitecture.UnknownId)).ToArray()).ToList(),
            set.Select(m => m.IsSpam ? 1 : 0).ToList());
        Console.WriteLine($"{train.Count} training, {validation.Count} validation and {test.Count} test messages; vocabulary {vocabulary.Count + 2} tokens.");

        var architecture = new RecurrentArchitecture
        {
            Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Tokens, VocabularySize = vocabulary.Count + 2,
            EmbeddingSize = 64, HiddenSize = 64, Bidirectional = true, Pooling = SequencePooling.Max,
            Classification = ClassificationKind.Binary,
        };
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 2e-3f, EarlyStoppingPatience = 3, Seed = 1 };
        var progress = new Progress<TrainingProgress>(p =>
        {
            if (p.EpochCompleted)
                Console.WriteLine($"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F4}  validation loss {p.ValidationLoss:F4}  validation accuracy {p.ValidationAccuracy:P2}  {p.SequencesPerSecond:N0} sequences/s");
        });
        var clock = Stopwatch.StartNew();
        var result = RecurrentTrainer.Train(architecture, options, Encode(train), Encode(validation), progress);
        Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s, kept epoch {result.BestEpoch}");

        var probabilities = new float[test.Count * 2];
        result.Model.CreatePredictor().PredictProbabilities(
            Enumerable.Range(0, test.Count).Select(i => Tokenize(test[i].Text).Take(MaxTokens).Select(t => vocabulary.GetValueOrDefault(t, RecurrentArchitecture.UnknownId)).ToArray()).ToList(),
            probabilities);
        var scores = Enumerable.Range(0, test.Count).Select(i => probabilities[2 * i + 1]).ToArray();
        var labels = test.Select(m => m.IsSpam).ToArray();
        int tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool predicted = scores[i] > 0.5f;
            if (predicted && labels[i]) tp++; else if (predicted) fp++; else if (labels[i]) fn++; else tn++;
        }
        double precision = tp / (double)Math.Max(1, tp + fp), recall = tp / (double)Math.Max(1, tp + fn);
        Console.WriteLine($"test: accuracy {(tp + tn) / (double)scores.Length:F4}  AUC {Auc(scores, labels):F4}  F1 {2 * precision * recall / Math.Max(1e-12, precision + recall):F4}  " +
            $"precision {precision:F4}  recall {recall:F4}  ({test.Count} messages)");
        return 0;
    }

    /// <summary>Lower-cased runs of letters and digits: punctuation splits words, so URLs and addresses become tokens.</summary>
    public static IEnumerable<string> Tokenize(string text)
    {
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool word = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (word && start < 0) start = i;
            else if (!word && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    /// <summary>Token → id from 2 (0 = padding, 1 = unknown), most frequent first, ties in ordinal order.</summary>
    private static Dictionary<string, int> BuildVocabulary(IEnumerable<SpamMessage> train)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in train)
            foreach (var t in Tokenize(m.Text).Take(MaxTokens))
                counts[t] = counts.GetValueOrDefault(t) + 1;
        return counts.Where(kv => kv.Value >= MinCount).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(MaxVocabulary).Select((kv, i) => (kv.Key, Id: i + 2)).ToDictionary(x => x.Key, x => x.Id, StringComparer.Ordinal);
    }

    /// <summary>Area under the ROC curve: the probability that a random spam scores above a random ham (ties count half).</summary>
    private static double Auc(float[] scores, bool[] labels)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        for (int r = 0; r < order.Length;)
        {
            int end = r;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[r]]) end++;
            double rank = (r + end) / 2.0 + 1;
            for (int k = r; k <= end; k++) if (labels[order[k]]) rankSum += rank;
            r = end + 1;
        }
        long positives = labels.Count(l => l), negatives = labels.Length - positives;
        return (rankSum - positives * (positives + 1) / 2.0) / Math.Max(1, positives * negatives);
    }
}
