namespace Microsoft.ML.Recurrent;

/// <summary>
/// Per-output affine map between a regression target and what the network learns: the network is trained on
/// <c>(y − Mean) / Scale</c> and its outputs are returned as <c>output · Scale + Mean</c>, so predictions come back
/// in the target's units. Learned from the training set (mean and population standard deviation per output) and
/// saved in the model. A constant target gets <c>Scale = 1</c>: the network then learns zero, and predicts the constant.
/// </summary>
public sealed class TargetStandardization
{
    private readonly float[] _mean, _scale;

    /// <summary>An explicit map; every mean finite, every scale finite and &gt; 0.</summary>
    public TargetStandardization(ReadOnlySpan<float> mean, ReadOnlySpan<float> scale)
    {
        if (mean.Length != scale.Length || mean.Length == 0)
            throw new ArgumentException($"Expected as many means as scales, at least one; got {mean.Length} and {scale.Length}.", nameof(scale));
        for (int k = 0; k < mean.Length; k++)
        {
            if (!float.IsFinite(mean[k])) throw new ArgumentException($"Mean {k} is {mean[k]}; expected a finite number.", nameof(mean));
            if (!(scale[k] > 0) || !float.IsFinite(scale[k])) throw new ArgumentException($"Scale {k} is {scale[k]}; expected a finite number > 0.", nameof(scale));
        }
        _mean = mean.ToArray();
        _scale = scale.ToArray();
    }

    /// <summary>The identity map for <paramref name="outputs"/> outputs (mean 0, scale 1).</summary>
    public static TargetStandardization Identity(int outputs)
    {
        var scale = new float[outputs];
        Array.Fill(scale, 1f);
        return new TargetStandardization(new float[outputs], scale);
    }

    /// <summary>Mean and population standard deviation of each output over the training targets [N, K].</summary>
    internal static TargetStandardization FromTargets(ReadOnlySpan<float> targets, int outputs)
    {
        int n = targets.Length / outputs;
        var mean = new float[outputs];
        var scale = new float[outputs];
        for (int k = 0; k < outputs; k++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += targets[i * outputs + k];
            double m = n > 0 ? sum / n : 0, squares = 0;
            for (int i = 0; i < n; i++) { double d = targets[i * outputs + k] - m; squares += d * d; }
            double sd = n > 0 ? Math.Sqrt(squares / n) : 0;
            mean[k] = (float)m;
            // A constant (or nearly constant: below float resolution of the mean) target keeps scale 1.
            scale[k] = sd > 1e-6 * Math.Max(1, Math.Abs(m)) && double.IsFinite(sd) ? (float)sd : 1f;
        }
        return new TargetStandardization(mean, scale);
    }

    /// <summary>Number of outputs.</summary>
    public int Count => _mean.Length;

    /// <summary>Per-output mean subtracted from the target.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>Per-output scale (standard deviation) the centred target is divided by.</summary>
    public ReadOnlySpan<float> Scale => _scale;

    /// <summary>Target units → network units, in place over rows of <see cref="Count"/> values.</summary>
    internal void Standardize(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (values[i] - _mean[i % _mean.Length]) / _scale[i % _scale.Length];
    }

    /// <summary>Network units → target units, in place over rows of <see cref="Count"/> values.</summary>
    internal void Restore(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = values[i] * _scale[i % _scale.Length] + _mean[i % _mean.Length];
    }
}
