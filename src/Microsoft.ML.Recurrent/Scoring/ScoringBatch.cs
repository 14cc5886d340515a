using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Up to <see cref="Capacity"/> rows read from a cursor, typed (<see cref="TokenScoringBatch"/>,
/// <see cref="FloatScoringBatch"/>), scored in one engine call: probabilities [count × classes] and logits
/// [count × LogitCount]. An unusable row (non-finite values, bad length) scores NaN.
/// </summary>
internal abstract class ScoringBatch
{
    private protected ScoringBatch(SequenceScorer scorer, int capacity)
    {
        Scorer = scorer;
        Capacity = capacity;
        Probabilities = new float[capacity * scorer.ClassCount];
        Logits = new float[capacity * scorer.Predictor.LogitCount];
    }

    public static ScoringBatch Create(SequenceScorer scorer, DataViewRow row, DataViewSchema.Column column, int capacity)
        => scorer.Encoder.CreateReader(row, column) switch
        {
            TokenSequenceReader tokens => new TokenScoringBatch(scorer, tokens, capacity),
            FloatSequenceReader floats => new FloatScoringBatch(scorer, floats, capacity),
            var other => throw new NotSupportedException($"No scoring batch for {other.GetType().Name}."),
        };

    public SequenceScorer Scorer { get; }
    public int Capacity { get; }
    public float[] Probabilities { get; }
    public float[] Logits { get; }

    /// <summary>Rows scored so far, and how many of them were unusable (scored NaN).</summary>
    public long ScoredRows { get; private protected set; }

    /// <inheritdoc cref="ScoredRows"/>
    public long UnusableRows { get; private protected set; }

    /// <summary>
    /// The warning for <see cref="UnusableRows"/>: which rows, why, what they score, and what ML.NET's evaluators do
    /// with them (issue #11, item 7: without it the rows vanished from metrics silently).
    /// </summary>
    public string DescribeUnusableRows() =>
        $"Feature column '{Scorer.FeatureColumnName}': {UnusableRows} of {ScoredRows} rows could not be scored (a NaN or infinite value, " +
        $"or a length that is not a multiple of FeaturesPerStep = {Scorer.Encoder.FeaturesPerStep}); " + Scorer.Task switch
        {
            SequenceClassificationTask.Binary => "their Score and Probability are NaN and their PredictedLabel is false",
            SequenceClassificationTask.Regression => "their Score is NaN",
            _ => "their Score is NaN and their PredictedLabel is missing (key 0)",
        } + ". ML.NET's evaluators skip rows whose score is NaN.";

    /// <summary>Reads the cursor's current row into <paramref name="slot"/>.</summary>
    public abstract void ReadRow(int slot);

    /// <summary>Scores rows [0, <paramref name="count"/>) and forgets them.</summary>
    public abstract void Score(int count);
}

/// <summary>The typed part: rows of <typeparamref name="T"/> (null = unusable) and the engine call for them.</summary>
internal abstract class ScoringBatch<T> : ScoringBatch
{
    private protected readonly T[]?[] Rows;
    private readonly T[][] _usable;
    private readonly T[]?[] _buffers;   // each slot's last array, reused when the next row there has the same length
    private float[] _p = [], _l = [];

    private protected ScoringBatch(SequenceScorer scorer, int capacity) : base(scorer, capacity)
    {
        Rows = new T[]?[capacity];
        _usable = new T[capacity][];
        _buffers = new T[]?[capacity];
    }

    /// <summary>
    /// <paramref name="values"/> as an array for slot <paramref name="slot"/>: the slot's previous array when the length
    /// matches (the engine reads a sequence's length from its array, and fixed-length columns then allocate nothing per
    /// row), else a new one. The engine call does not keep the arrays.
    /// </summary>
    private protected T[] Copy(int slot, ReadOnlySpan<T> values)
    {
        ref T[]? buffer = ref _buffers[slot];
        if (buffer is null || buffer.Length != values.Length) buffer = values.ToArray();
        else values.CopyTo(buffer);
        return buffer;
    }

    private protected abstract void Predict(IReadOnlyList<T[]> sequences, Span<float> probabilities, Span<float> logits);

    public sealed override void Score(int count)
    {
        int C = Scorer.ClassCount, L = Scorer.Predictor.LogitCount, usable = 0;
        for (int i = 0; i < count; i++) if (Rows[i] is { } r) _usable[usable++] = r;
        ScoredRows += count;
        UnusableRows += count - usable;
        if (usable == count)
            Predict(new ArraySegment<T[]>(_usable, 0, count), Probabilities, Logits);
        else
        {
            if (_p.Length < usable * C) { _p = new float[Capacity * C]; _l = new float[Capacity * L]; }
            if (usable > 0) Predict(new ArraySegment<T[]>(_usable, 0, usable), _p, _l);
            for (int i = 0, j = 0; i < count; i++)
            {
                if (Rows[i] is null)
                {
                    Probabilities.AsSpan(i * C, C).Fill(float.NaN);
                    Logits.AsSpan(i * L, L).Fill(float.NaN);
                }
                else
                {
                    _p.AsSpan(j * C, C).CopyTo(Probabilities.AsSpan(i * C, C));
                    _l.AsSpan(j * L, L).CopyTo(Logits.AsSpan(i * L, L));
                    j++;
                }
            }
        }
        Array.Clear(Rows, 0, count);
        Array.Clear(_usable, 0, usable);
    }
}

/// <summary>Token-id rows (text or keys).</summary>
internal sealed class TokenScoringBatch(SequenceScorer scorer, TokenSequenceReader reader, int capacity) : ScoringBatch<int>(scorer, capacity)
{
    public override void ReadRow(int slot) => Rows[slot] = Copy(slot, reader.Read());

    private protected override void Predict(IReadOnlyList<int[]> sequences, Span<float> probabilities, Span<float> logits)
    {
        if (Scorer.Task == SequenceClassificationTask.Regression) Scorer.Predictor.PredictValues(sequences, logits);
        else Scorer.Predictor.Predict(sequences, probabilities, logits);
    }
}

/// <summary>Dense rows.</summary>
internal sealed class FloatScoringBatch(SequenceScorer scorer, FloatSequenceReader reader, int capacity) : ScoringBatch<float>(scorer, capacity)
{
    public override void ReadRow(int slot) => Rows[slot] = reader.TryRead(out var steps) ? Copy(slot, steps) : null;

    private protected override void Predict(IReadOnlyList<float[]> sequences, Span<float> probabilities, Span<float> logits)
    {
        if (Scorer.Task == SequenceClassificationTask.Regression) Scorer.Predictor.PredictValues(sequences, logits);
        else Scorer.Predictor.Predict(sequences, probabilities, logits);
    }
}
