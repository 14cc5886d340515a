using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads an <see cref="IDataView"/> once, with one cursor, into engine datasets.</summary>
internal static class TrainingData
{
    public sealed class Counts
    {
        public int Rows, Used, MissingLabel, BadWeight, BadFeatures;

        public string Describe(string what) =>
            $"{what}: {Used} of {Rows} rows used" + (Rows == Used ? "." :
            $" (skipped: {MissingLabel} missing label, {BadWeight} negative/NaN weight, {BadFeatures} non-finite features or length not a multiple of FeaturesPerStep).");
    }

    /// <summary>Label getter: class index, or -1 for a missing label.</summary>
    private static Func<int> LabelGetter(DataViewRow row, DataViewSchema.Column label, SequenceClassificationTask task)
    {
        if (task == SequenceClassificationTask.Binary)
        {
            var getter = row.GetGetter<bool>(label);
            bool value = false;
            return () => { getter(ref value); return value ? 1 : 0; };
        }
        var key = ColumnChecks.KeyGetter(row, label);
        return () => { ulong k = key(); return k == 0 ? -1 : (int)(k - 1); };
    }

    private static Func<float>? WeightGetter(DataViewRow row, DataViewSchema.Column? weight)
    {
        if (weight is null) return null;
        var getter = row.GetGetter<float>(weight.Value);
        float value = 0;
        return () => { getter(ref value); return value; };
    }

    private static IEnumerable<DataViewSchema.Column> Active(params DataViewSchema.Column?[] columns)
        => columns.Where(c => c is not null).Select(c => c!.Value);

    /// <summary>Reads rows with an encoder that is already known (keys, floats, or validation data of any kind).</summary>
    public static SequenceDataset Read(IDataView data, DataViewSchema.Column label, DataViewSchema.Column features, DataViewSchema.Column? weight,
        SequenceClassificationTask task, SequenceEncoder encoder, Action checkAlive, out Counts counts)
    {
        counts = new Counts();
        var sequences = new List<Array>();
        var labels = new List<int>();
        var weights = weight is null ? null : new List<float>();
        using var cursor = data.GetRowCursor(Active(label, features, weight));
        var getLabel = LabelGetter(cursor, label, task);
        var getWeight = WeightGetter(cursor, weight);
        var reader = encoder.CreateReader(cursor, features);
        while (cursor.MoveNext())
        {
            if ((counts.Rows++ & 1023) == 0) checkAlive();
            int y = getLabel();
            if (y < 0) { counts.MissingLabel++; continue; }
            float w = 1;
            if (getWeight is not null && !((w = getWeight()) >= 0 && float.IsFinite(w))) { counts.BadWeight++; continue; }
            var s = reader.Read();
            if (s is null) { counts.BadFeatures++; continue; }
            sequences.Add(s);
            labels.Add(y);
            weights?.Add(w);
            counts.Used++;
        }
        return encoder.Kind == SequenceColumnKind.Float
            ? SequenceDataset.FromFeatures(sequences.ConvertAll(s => (float[])s), encoder.FeaturesPerStep, labels, weights)
            : SequenceDataset.FromTokens(sequences.ConvertAll(s => (int[])s), labels, weights);
    }

    /// <summary>
    /// Reads text-token rows and builds the vocabulary from them: id 0 padding, 1 the unknown token, then every token
    /// seen at least <paramref name="minimumCount"/> times (within the first <paramref name="maxSteps"/> steps of its row),
    /// most frequent first (ties in ordinal order), at most <paramref name="maximumSize"/> of them.
    /// </summary>
    public static SequenceDataset ReadText(IDataView data, DataViewSchema.Column label, DataViewSchema.Column features, DataViewSchema.Column? weight,
        SequenceClassificationTask task, int maxSteps, int minimumCount, int maximumSize, string unknownToken, Action checkAlive,
        out SequenceEncoder encoder, out Counts counts)
    {
        counts = new Counts();
        var provisional = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = provisional.GetAlternateLookup<ReadOnlySpan<char>>();
        var tokenCounts = new List<int>();
        var tokenTexts = new List<string>();
        var rows = new List<int[]>();
        var labels = new List<int>();
        var weights = weight is null ? null : new List<float>();
        using (var cursor = data.GetRowCursor(Active(label, features, weight)))
        {
            var getLabel = LabelGetter(cursor, label, task);
            var getWeight = WeightGetter(cursor, weight);
            var getTokens = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(features);
            VBuffer<ReadOnlyMemory<char>> buffer = default;
            while (cursor.MoveNext())
            {
                if ((counts.Rows++ & 1023) == 0) checkAlive();
                int y = getLabel();
                if (y < 0) { counts.MissingLabel++; continue; }
                float w = 1;
                if (getWeight is not null && !((w = getWeight()) >= 0 && float.IsFinite(w))) { counts.BadWeight++; continue; }
                getTokens(ref buffer);
                int n = maxSteps > 0 ? Math.Min(maxSteps, buffer.Length) : buffer.Length;
                var ids = new int[n];
                int t = 0;
                foreach (var token in buffer.DenseValues())
                {
                    if (t == n) break;
                    if (!lookup.TryGetValue(token.Span, out int id))
                    {
                        id = tokenTexts.Count;
                        string text = token.ToString();
                        provisional.Add(text, id);
                        tokenTexts.Add(text);
                        tokenCounts.Add(0);
                    }
                    tokenCounts[id]++;
                    ids[t++] = id;
                }
                rows.Add(ids);
                labels.Add(y);
                weights?.Add(w);
                counts.Used++;
            }
        }

        var order = Enumerable.Range(0, tokenTexts.Count)
            .Where(i => tokenCounts[i] >= minimumCount && tokenTexts[i] != unknownToken && tokenTexts[i] != SequenceEncoder.PaddingToken)
            .OrderByDescending(i => tokenCounts[i]).ThenBy(i => tokenTexts[i], StringComparer.Ordinal)
            .Take(maximumSize).ToArray();
        var vocabulary = new string[order.Length + 2];
        vocabulary[RecurrentArchitecture.PaddingId] = SequenceEncoder.PaddingToken;
        vocabulary[RecurrentArchitecture.UnknownId] = unknownToken;
        var finalId = new int[tokenTexts.Count];
        Array.Fill(finalId, RecurrentArchitecture.UnknownId);
        for (int i = 0; i < order.Length; i++)
        {
            vocabulary[i + 2] = tokenTexts[order[i]];
            finalId[order[i]] = i + 2;
        }
        foreach (var ids in rows)
            for (int t = 0; t < ids.Length; t++) ids[t] = finalId[ids[t]];
        encoder = SequenceEncoder.ForText(vocabulary, maxSteps);
        return SequenceDataset.FromTokens(rows, labels, weights);
    }
}
