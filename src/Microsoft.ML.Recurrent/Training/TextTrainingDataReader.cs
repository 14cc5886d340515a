using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads labelled text-token sequences from an <see cref="IDataView"/> (one cursor pass) and builds the vocabulary from them.</summary>
internal static class TextTrainingDataReader
{
    /// <summary>
    /// Reads text-token rows and builds the vocabulary from them: id 0 padding, 1 the unknown token, then every token
    /// seen at least <paramref name="minimumCount"/> times (within the first <paramref name="maxSteps"/> steps of its row),
    /// most frequent first (ties in ordinal order), at most <paramref name="maximumSize"/> of them. With
    /// <paramref name="split"/>, usable rows it holds out go to <paramref name="heldOut"/> and are not counted for the vocabulary.
    /// </summary>
    public static SequenceDataset Read(IDataView data, DataViewSchema.Column label, DataViewSchema.Column features, DataViewSchema.Column? weight,
        SequenceClassificationTask task, int maxSteps, int minimumCount, int maximumSize, string unknownToken, Action checkAlive,
        ValidationSplit? split, out SequenceEncoder encoder, out RowCounts counts, out SequenceDataset? heldOut)
    {
        counts = new RowCounts();
        var provisional = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = provisional.GetAlternateLookup<ReadOnlySpan<char>>();
        var tokenCounts = new List<int>();
        var tokenTexts = new List<string>();
        var rows = new List<int[]>();
        var labels = new List<int>();
        var weights = weight is null ? null : new List<float>();
        var held = new List<bool>();
        var targets = RegressionLabels.For(task);
        using (var cursor = data.GetRowCursor(RowGetters.Active(label, features, weight)))
        {
            var labeled = new LabeledRowCursor(cursor, label, weight, task, targets is not null, split, counts, checkAlive);
            var getTokens = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(features);
            VBuffer<ReadOnlyMemory<char>> buffer = default;
            while (labeled.MoveNext())
            {
                bool holdOut = labeled.HoldOut;
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
                    if (!holdOut) tokenCounts[id]++;
                    ids[t++] = id;
                }
                rows.Add(ids);
                labels.Add(labeled.Label);
                weights?.Add(labeled.Weight);
                held.Add(holdOut);
                targets?.Add(labeled.Target, holdOut);
                if (holdOut) counts.HeldOut++; else counts.Used++;
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
        encoder = SequenceEncoder.ForText(vocabulary, maxSteps);
        var builder = encoder.CreateDatasetBuilder();
        var validation = split is null ? null : encoder.CreateDatasetBuilder();
        for (int i = 0; i < rows.Count; i++)
        {
            var ids = rows[i];
            for (int t = 0; t < ids.Length; t++) ids[t] = finalId[ids[t]];
            (held[i] ? validation! : builder).AddTokens(ids, labels[i], weights?[i] ?? 1f);
        }
        heldOut = RegressionLabels.Attach(targets, validation?.Build(), heldOut: true);
        return RegressionLabels.Attach(targets, builder.Build(), heldOut: false)!;
    }
}
