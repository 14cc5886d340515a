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
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = BackwardRowSimd<V512>(act, dh, dPre, hidden, relu, j);
        if (Vector256.IsHardwareAccelerated) j = BackwardRowSimd<V256>(act, dh, dPre, hidden, relu, j);
        BackwardScalar(act, dh, dPre, hidden, relu, (int)j);
    }

    /// <summary>SIMD body of <see cref="BackwardRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint BackwardRowSimd<V>(ReadOnlySpan<float> act, ReadOnlySpan<float> dh, Span<float> dPre, int hidden, bool relu, nuint j) where V : struct, IFloatVector<V>
    {
        ref float ar = ref MemoryMarshal.GetReference(act);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dp = ref MemoryMarshal.GetReference(dPre);
        nuint H = (nuint)hidden;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var a = V.Load(ref ar, j);
            var d = V.Load(ref dhr, j);
            // ReLU' is 1 where the activation is positive; tanh' = 1 − tanh².
            var r = relu ? V.SelectLess(V.Zero, a, d, V.Zero) : d * (V.One - a * a);
            r.Store(ref dp, j);
        }
        return j;
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
