using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>A <see cref="SequenceScorer"/> bound to one input schema: the checked feature column and the output schema.</summary>
internal sealed class BoundScorer
{
    public BoundScorer(SequenceScorer scorer, DataViewSchema input)
    {
        Scorer = scorer;
        InputSchema = input;
        FeatureColumn = ColumnChecks.CheckSequence(input, scorer.FeatureColumnName, scorer.Encoder.Kind, scorer.Encoder.FeaturesPerStep, out _);
        OutputSchema = PredictionColumns.Build(input, scorer.Task, scorer.ClassCount, scorer.ClassNames);
    }

    public SequenceScorer Scorer { get; }
    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }
    public DataViewSchema.Column FeatureColumn { get; }
    public int InputCount => InputSchema.Count;
    public int OutputCount => OutputSchema.Count - InputSchema.Count;

    /// <summary>Input columns needed to produce the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var c in outputColumns)
        {
            if (c.Index < InputCount) needed.Add(c.Index);
            else needed.Add(FeatureColumn.Index);
        }
        return needed.Select(i => InputSchema[i]);
    }

    /// <summary>A batch reading the feature column of <paramref name="row"/> (whose schema is <see cref="InputSchema"/>).</summary>
    public ScoringBatch CreateBatch(DataViewRow row, int capacity) => ScoringBatch.Create(Scorer, row, row.Schema[FeatureColumn.Index], capacity);
}
