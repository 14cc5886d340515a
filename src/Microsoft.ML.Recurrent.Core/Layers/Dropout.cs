using Microsoft.ML.Recurrent.Training;

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
