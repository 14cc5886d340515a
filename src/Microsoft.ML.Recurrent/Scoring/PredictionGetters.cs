using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>The values of the prediction columns (ML.NET's conventions) from a scored <see cref="ScoringBatch"/>.</summary>
internal static class PredictionGetters
{
    /// <summary>The getter of output column <paramref name="outputIndex"/> (0-based among the added columns), reading row <paramref name="row"/>() of <paramref name="batch"/>.</summary>
    public static Delegate Create(ScoringBatch batch, int outputIndex, Func<int> row)
    {
        int classes = batch.Scorer.ClassCount, logitCount = batch.Scorer.Predictor.LogitCount;
        var p = batch.Probabilities;
        return (batch.Scorer.Task, outputIndex) switch
        {
            (SequenceClassificationTask.Binary, 0) => (ValueGetter<float>)((ref float v) => v = batch.Logits[row() * logitCount]),
            (SequenceClassificationTask.Binary, 1) => (ValueGetter<float>)((ref float v) => v = p[row() * classes + 1]),
            (SequenceClassificationTask.Binary, 2) => (ValueGetter<bool>)((ref bool v) => v = p[row() * classes + 1] > 0.5f),
            (SequenceClassificationTask.Multiclass, 0) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) => MulticlassScore(p.AsSpan(row() * classes, classes), ref v)),
            // Regression: the batch holds the predictions in the label's units where the logits would be.
            (SequenceClassificationTask.Regression, 0) => (ValueGetter<float>)((ref float v) => v = batch.Logits[row() * logitCount]),
            (SequenceClassificationTask.Multiclass, 1) => (ValueGetter<uint>)((ref uint v) => v = MulticlassPredictedLabel(p.AsSpan(row() * classes, classes))),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };
    }

    private static void MulticlassScore(ReadOnlySpan<float> probabilities, ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, probabilities.Length);
        probabilities.CopyTo(editor.Values);
        value = editor.Commit();
    }

    /// <summary>1-based key of the most probable class; 0 (missing) for an unusable row.</summary>
    private static uint MulticlassPredictedLabel(ReadOnlySpan<float> p)
    {
        if (float.IsNaN(p[0])) return 0;
        int best = 0;
        for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
        return (uint)best + 1;
    }
}
