namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Inverted dropout between layers, forward and backward side by side, applied in place on x [T, B, D].
/// The mask is drawn from a counter-based generator keyed by (seed, element), so it does not depend on thread timing.
/// </summary>
internal static class Dropout
{
    public static void Forward(Span<float> x, Span<float> mask, float probability, ulong seed)
    {
        float keep = 1f / (1f - probability);
        // Compare raw 24-bit draws against the threshold: exact and branch-light.
        uint threshold = (uint)(probability * (1 << 24));
        for (int i = 0; i < x.Length; i++)
        {
            uint draw = (uint)(SplitMix64.Hash(seed + (ulong)i) >> 40);
            float m = draw >= threshold ? keep : 0f;
            mask[i] = m;
            x[i] *= m;
        }
    }

    public static void Backward(Span<float> dx, ReadOnlySpan<float> mask)
    {
        System.Numerics.Tensors.TensorPrimitives.Multiply(dx, mask[..dx.Length], dx);
    }
}

/// <summary>SplitMix64: a tiny, allocation-free, reproducible generator.</summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public static ulong Hash(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong Next()
    {
        ulong r = Hash(_state);
        _state += 0x9E3779B97F4A7C15UL;
        return r;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((Next() >> 33) % (ulong)n);
}
