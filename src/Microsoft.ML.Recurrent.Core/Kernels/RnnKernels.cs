using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>Elman RNN step kernels for one batch row: <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>, act = tanh or ReLU.</summary>
internal static class RnnKernels
{
    /// <summary>pre [H] pre-activation in, activation out (kept for backward); h [H] out.</summary>
    public static void ForwardRow(Span<float> pre, Span<float> h, int hidden, bool relu)
    {
        KernelGuard.Check(pre.Length >= hidden && h.Length >= hidden);
        Span<float> a = pre[..hidden];
        if (relu) TensorPrimitives.Max(a, 0f, a);
        else TensorPrimitives.Tanh(a, a);
        a.CopyTo(h);
    }

    /// <summary>Scalar reference of <see cref="ForwardRow"/>.</summary>
    public static void ForwardReference(Span<float> pre, Span<float> h, int hidden, bool relu)
    {
        for (int j = 0; j < hidden; j++)
        {
            float a = relu ? MathF.Max(pre[j], 0f) : MathF.Tanh(pre[j]);
            pre[j] = a; h[j] = a;
        }
    }

    /// <summary>act [H] activations, dh [H] in; dPre [H] out = dh · act'(pre).</summary>
    public static void BackwardRow(ReadOnlySpan<float> act, ReadOnlySpan<float> dh, Span<float> dPre, int hidden, bool relu)
    {
        KernelGuard.Check(act.Length >= hidden && dh.Length >= hidden && dPre.Length >= hidden);
        ref float ar = ref MemoryMarshal.GetReference(act);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dp = ref MemoryMarshal.GetReference(dPre);
        nuint H = (nuint)hidden, j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= H; j += 8)
            {
                var a = Vector256.LoadUnsafe(ref ar, j);
                var d = Vector256.LoadUnsafe(ref dhr, j);
                var r = relu
                    ? Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), d, Vector256<float>.Zero)
                    : d * (Vector256<float>.One - a * a);
                r.StoreUnsafe(ref dp, j);
            }
        }
        BackwardScalar(act, dh, dPre, hidden, relu, (int)j);
    }

    /// <summary>Scalar reference of <see cref="BackwardRow"/>.</summary>
    public static void BackwardReference(ReadOnlySpan<float> act, ReadOnlySpan<float> dh, Span<float> dPre, int hidden, bool relu)
        => BackwardScalar(act, dh, dPre, hidden, relu, 0);

    private static void BackwardScalar(ReadOnlySpan<float> act, ReadOnlySpan<float> dh, Span<float> dPre, int hidden, bool relu, int start)
    {
        for (int j = start; j < hidden; j++)
            dPre[j] = relu ? (act[j] > 0f ? dh[j] : 0f) : dh[j] * (1f - act[j] * act[j]);
    }
}
