using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Scoring settings for a whole fitted pipeline that contains recurrent steps.</summary>
public static class RecurrentScoringExtensions
{
    /// <summary>
    /// The fitted pipeline <paramref name="model"/> with every <see cref="RecurrentSequenceClassificationTransformer"/>
    /// in it (nested chains included) replaced by its <see cref="RecurrentSequenceClassificationTransformer.WithPrecision"/>
    /// form; the other steps are reused as they are. E.g. <c>pipeline.Fit(data).WithPrecision(InferencePrecision.Int8)</c>
    /// gives a model whose <c>Transform</c> and prediction engines score in int8. Not saved with the model.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> holds no recurrent step.</exception>
    public static ITransformer WithPrecision(this ITransformer model, InferencePrecision precision)
        => ReplaceAll(model, r => r.WithPrecision(precision), "precision");

    /// <summary>
    /// The fitted pipeline <paramref name="model"/> with every recurrent step replaced by its
    /// <see cref="RecurrentSequenceClassificationTransformer.WithSingleSequenceThreads"/> form: with 2, prediction
    /// engines made from it split each row over two cores (bit-identical scores). Not saved with the model.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> holds no recurrent step.</exception>
    public static ITransformer WithSingleSequenceThreads(this ITransformer model, int threads)
        => ReplaceAll(model, r => r.WithSingleSequenceThreads(threads), "single-sequence thread count");

    private static ITransformer ReplaceAll(ITransformer model, Func<RecurrentSequenceClassificationTransformer, RecurrentSequenceClassificationTransformer> replace, string what)
    {
        ArgumentNullException.ThrowIfNull(model);
        int found = 0;
        ITransformer result = Replace(model, replace, ref found);
        if (found == 0)
            throw new ArgumentException($"The model ({model.GetType().Name}) holds no RecurrentSequenceClassificationTransformer whose {what} could be set.", nameof(model));
        return result;
    }

    private static ITransformer Replace(ITransformer model, Func<RecurrentSequenceClassificationTransformer, RecurrentSequenceClassificationTransformer> replace, ref int found)
    {
        if (model is RecurrentSequenceClassificationTransformer recurrent)
        {
            found++;
            return replace(recurrent);
        }
        if (model is not IEnumerable<ITransformer> chain) return model;
        var steps = new List<ITransformer>();
        foreach (var step in chain) steps.Add(Replace(step, replace, ref found));
        return new TransformerChain<ITransformer>(steps.ToArray());
    }
}
