namespace Microsoft.ML.Recurrent.Forecasting;

/// <summary>
/// Cuts time series into training rows for a sequence regressor: the row at origin t (the last observed step)
/// holds the <see cref="WindowSize"/> steps t−W+1 … t as a sequence and, as its label, the target
/// <see cref="Horizon"/> steps ahead, y[t+H].
/// </summary>
/// <remarks>
/// <para>Each step s of a window holds <see cref="FeaturesPerStep"/> floats, in this order: the target y[s] (unless
/// <c>includeTarget</c> is false), then every input series at s, then every known-ahead series at s + H. Known-ahead
/// series are values known in advance for the future (calendar features such as day of week, holidays, planned
/// prices); shifting them by H means the last step of the window carries them for the very day being forecast.</para>
/// <para>A window (or label) that touches a non-finite value is left out of <see cref="Labelled"/> and counted in
/// <see cref="Skipped"/>, so gaps in a series cost only the windows that cover them.</para>
/// <para>Typical use, a daily series forecast one day ahead from four weeks:
/// <code>
/// var windows = new SeriesWindows(births, windowSize: 28, horizon: 1, knownAhead: [dayOfWeek]);
/// var train = windows.Labelled(lastLabelIndex: split - 1);
/// var test = windows.Labelled(firstLabelIndex: split);
/// </code>
/// then <c>SequenceDataset.ForRegression</c> (engine) or <c>mlContext.Data.LoadFromEnumerable</c> (ML.NET) with
/// <c>FeaturesPerStep = windows.FeaturesPerStep</c>. For several steps ahead see <see cref="SeriesForecast"/>.</para>
/// </remarks>
public sealed class SeriesWindows
{
    private readonly float[] _target;
    private readonly float[][] _inputs, _knownAhead;
    private readonly bool _includeTarget;

    /// <summary>Windows over one target series and any number of aligned input and known-ahead series.</summary>
    /// <param name="target">The series to forecast, one value per step.</param>
    /// <param name="windowSize">Steps per window (W ≥ 1).</param>
    /// <param name="horizon">How far ahead the label lies (H ≥ 1): the label of origin t is target[t + H].</param>
    /// <param name="inputs">Other observed series, each as long as <paramref name="target"/>; step s carries input[s].</param>
    /// <param name="knownAhead">Series known in advance, each at least as long as <paramref name="target"/> (longer to forecast past its end); step s carries knownAhead[s + H].</param>
    /// <param name="includeTarget">Whether each step carries the target's own past value (true for autoregression).</param>
    public SeriesWindows(IReadOnlyList<float> target, int windowSize, int horizon = 1, IReadOnlyList<IReadOnlyList<float>>? inputs = null,
        IReadOnlyList<IReadOnlyList<float>>? knownAhead = null, bool includeTarget = true)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (windowSize < 1) throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "Expected a window of at least one step.");
        if (horizon < 1) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "Expected a horizon of at least one step ahead.");
        if ((long)windowSize + horizon > target.Count)
            throw new ArgumentException($"A window of {windowSize} steps plus a horizon of {horizon} needs a series of at least {windowSize + horizon} values; the target series has {target.Count}.", nameof(windowSize));
        _target = target.ToArray();
        _inputs = Copy(inputs, nameof(inputs), target.Count, exact: true);
        _knownAhead = Copy(knownAhead, nameof(knownAhead), target.Count, exact: false);
        _includeTarget = includeTarget;
        WindowSize = windowSize;
        Horizon = horizon;
        FeaturesPerStep = (includeTarget ? 1 : 0) + _inputs.Length + _knownAhead.Length;
        if (FeaturesPerStep == 0) throw new ArgumentException("Each step would hold no value: give input series, known-ahead series or includeTarget = true.", nameof(includeTarget));
    }

    private static float[][] Copy(IReadOnlyList<IReadOnlyList<float>>? series, string name, int length, bool exact)
    {
        if (series is null) return [];
        var copy = new float[series.Count][];
        for (int j = 0; j < series.Count; j++)
        {
            var s = series[j] ?? throw new ArgumentException($"Series {j} of {name} is null.", name);
            if (exact ? s.Count != length : s.Count < length)
                throw new ArgumentException($"Series {j} of {name} has {s.Count} values; expected {(exact ? "" : "at least ")}{length}, as many as the target series.", name);
            copy[j] = s.ToArray();
        }
        return copy;
    }

    /// <summary>Steps per window (W).</summary>
    public int WindowSize { get; }

    /// <summary>Steps between a window's last step and its label (H).</summary>
    public int Horizon { get; }

    /// <summary>Floats per step: the target (if included), the inputs, the known-ahead series.</summary>
    public int FeaturesPerStep { get; }

    /// <summary>Length of the target series.</summary>
    public int SeriesLength => _target.Length;

    /// <summary>The first origin with a full window: W − 1.</summary>
    public int FirstOrigin => WindowSize - 1;

    /// <summary>The last origin whose label is inside the series: N − 1 − H.</summary>
    public int LastLabelledOrigin => _target.Length - 1 - Horizon;

    /// <summary>The last origin a window can be cut at (the known-ahead series must reach origin + H).</summary>
    public int LastOrigin => Math.Min(_target.Length - 1, KnownAheadLimit);

    private int KnownAheadLimit => _knownAhead.Length == 0 ? int.MaxValue : _knownAhead.Min(s => s.Length) - 1 - Horizon;

    /// <summary>Windows skipped by the last <see cref="Labelled"/> call because they touch a non-finite value.</summary>
    public int Skipped { get; private set; }

    /// <summary>The window ending at <paramref name="origin"/>: W·F floats, step-major (values may be non-finite if the series are).</summary>
    public float[] FeaturesAt(int origin)
    {
        var x = new float[WindowSize * FeaturesPerStep];
        FeaturesAt(origin, x, _target);
        return x;
    }

    /// <summary>The label of <paramref name="origin"/>, target[origin + H].</summary>
    public float LabelAt(int origin)
    {
        if (origin < FirstOrigin || origin > LastLabelledOrigin)
            throw new ArgumentOutOfRangeException(nameof(origin), origin, $"Expected an origin in {FirstOrigin}..{LastLabelledOrigin} (window {WindowSize}, horizon {Horizon}, series of {_target.Length}).");
        return _target[origin + Horizon];
    }

    /// <summary>
    /// Every window whose label index (origin + H) lies in [<paramref name="firstLabelIndex"/>, <paramref name="lastLabelIndex"/>]
    /// (default: all), in time order, leaving out (and counting in <see cref="Skipped"/>) those that touch a non-finite value.
    /// Split train and test by label index so that no test label is seen in training.
    /// </summary>
    public IReadOnlyList<SeriesWindow> Labelled(int? firstLabelIndex = null, int? lastLabelIndex = null)
    {
        int from = Math.Max(FirstOrigin, (firstLabelIndex ?? 0) - Horizon);
        int to = Math.Min(Math.Min(LastLabelledOrigin, LastOrigin), (lastLabelIndex ?? int.MaxValue - Horizon) - Horizon);
        var rows = new List<SeriesWindow>(Math.Max(0, to - from + 1));
        int skipped = 0;
        for (int t = from; t <= to; t++)
        {
            float label = _target[t + Horizon];
            float[] x = FeaturesAt(t);
            if (!float.IsFinite(label) || !AllFinite(x)) { skipped++; continue; }
            rows.Add(new SeriesWindow { Origin = t, Features = x, Label = label });
        }
        Skipped = skipped;
        return rows;
    }

    /// <summary>The windows as an engine dataset for a one-output regression head.</summary>
    public SequenceDataset ToDataset(IReadOnlyList<SeriesWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return SequenceDataset.ForRegression(windows.Select(w => w.Features).ToList(), FeaturesPerStep, windows.Select(w => new[] { w.Label }).ToList());
    }

    /// <summary>Fills a window ending at <paramref name="origin"/> reading the target from <paramref name="target"/> (the recursive forecast's extended copy).</summary>
    internal void FeaturesAt(int origin, Span<float> x, ReadOnlySpan<float> target)
    {
        int last = Math.Min(KnownAheadLimit, target.Length - 1);
        if (origin < FirstOrigin || origin > last)
            throw new ArgumentOutOfRangeException(nameof(origin), origin, $"Expected an origin in {FirstOrigin}..{last} (window {WindowSize}, horizon {Horizon}, series of {target.Length}"
                + (_knownAhead.Length > 0 ? $", known-ahead series reach origin {KnownAheadLimit})." : ")."));
        int f = 0;
        for (int k = 0; k < WindowSize; k++)
        {
            int s = origin - WindowSize + 1 + k;
            if (_includeTarget) x[f++] = target[s];
            foreach (var input in _inputs) x[f++] = input[s];
            foreach (var known in _knownAhead) x[f++] = known[s + Horizon];
        }
    }

    internal bool HasInputs => _inputs.Length > 0;
    internal bool IncludesTarget => _includeTarget;
    internal ReadOnlySpan<float> Target => _target;

    private static bool AllFinite(ReadOnlySpan<float> x)
    {
        foreach (float v in x) if (!float.IsFinite(v)) return false;
        return true;
    }
}

/// <summary>One training row cut from a series: a window of steps and the value <see cref="SeriesWindows.Horizon"/> steps after it.</summary>
public sealed class SeriesWindow
{
    /// <summary>Index of the window's last step in the series.</summary>
    public int Origin { get; set; }

    /// <summary>The window, step-major: <see cref="SeriesWindows.WindowSize"/> × <see cref="SeriesWindows.FeaturesPerStep"/> floats.</summary>
    public float[] Features { get; set; } = [];

    /// <summary>The target at Origin + Horizon.</summary>
    public float Label { get; set; }
}
