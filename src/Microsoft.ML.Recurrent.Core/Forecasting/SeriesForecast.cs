namespace Microsoft.ML.Recurrent.Forecasting;

/// <summary>
/// Multi-step forecasts from one-step models. Two standard strategies:
/// <list type="bullet">
/// <item><b>Direct</b>: one model per horizon h = 1…K, each trained on <see cref="SeriesWindows"/> with
/// <c>horizon: h</c>; forecast h comes from model h. No error feedback, K models to train; works with any inputs.</item>
/// <item><b>Recursive</b>: one model trained with <c>horizon: 1</c>, applied K times, each prediction appended to the
/// series as if observed. One model, but errors feed back; needs every step's features to be known in the future,
/// so only the target and known-ahead series (no other observed inputs).</item>
/// </list>
/// Direct is usually the more accurate for a handful of steps; recursive is cheaper when K is large.
/// The predictor is any function from a window (W·F floats, step-major) to the next value, e.g.
/// <c>w =&gt; model.PredictValues(w)[0]</c> for an engine model or an ML.NET <c>PredictionEngine</c>.
/// </summary>
public static class SeriesForecast
{
    /// <summary>
    /// Forecasts steps origin+1 … origin+K with one model per horizon: <paramref name="horizons"/>[h−1] must have
    /// <see cref="SeriesWindows.Horizon"/> = h and <paramref name="predictors"/>[h−1] predicts h steps ahead.
    /// </summary>
    public static float[] Direct(IReadOnlyList<SeriesWindows> horizons, IReadOnlyList<Func<float[], float>> predictors, int origin)
    {
        ArgumentNullException.ThrowIfNull(horizons);
        ArgumentNullException.ThrowIfNull(predictors);
        if (horizons.Count != predictors.Count)
            throw new ArgumentException($"There are {horizons.Count} windowings for {predictors.Count} predictors; expected one predictor per horizon.", nameof(predictors));
        var forecast = new float[horizons.Count];
        for (int h = 1; h <= horizons.Count; h++)
        {
            if (horizons[h - 1].Horizon != h)
                throw new ArgumentException($"Windowing {h - 1} has horizon {horizons[h - 1].Horizon}; expected {h} (one per step ahead, in order).", nameof(horizons));
            forecast[h - 1] = predictors[h - 1](horizons[h - 1].FeaturesAt(origin));
        }
        return forecast;
    }

    /// <summary>
    /// Forecasts steps origin+1 … origin+<paramref name="steps"/> with one one-step model, feeding each prediction
    /// back as the next step's target value. <paramref name="windows"/> must have horizon 1 and no observed input series.
    /// </summary>
    public static float[] Recursive(SeriesWindows windows, Func<float[], float> predictor, int origin, int steps)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(predictor);
        if (windows.Horizon != 1) throw new ArgumentException($"A recursive forecast needs a one-step model; the windowing has horizon {windows.Horizon}.", nameof(windows));
        if (windows.HasInputs) throw new ArgumentException("A recursive forecast cannot know the future of observed input series; use known-ahead series, or Direct.", nameof(windows));
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Expected at least one step.");
        if (origin < windows.FirstOrigin || origin >= windows.SeriesLength)
            throw new ArgumentOutOfRangeException(nameof(origin), origin, $"Expected an origin in {windows.FirstOrigin}..{windows.SeriesLength - 1}.");
        // The observed series up to the origin, then the forecasts as they are made.
        var series = new float[origin + 1 + steps];
        windows.Target[..(origin + 1)].CopyTo(series);
        var x = new float[windows.WindowSize * windows.FeaturesPerStep];
        var forecast = new float[steps];
        for (int k = 0; k < steps; k++)
        {
            windows.FeaturesAt(origin + k, x, series.AsSpan(0, origin + k + 1));
            forecast[k] = series[origin + k + 1] = predictor((float[])x.Clone());
        }
        return forecast;
    }
}
