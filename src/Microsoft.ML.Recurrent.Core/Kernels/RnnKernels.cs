using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Elman RNN step kernels for one batch row: <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>, act = tanh or ReLU.
/// tanh is the engine's own (<see cref="VectorMath.Tanh{V}"/>, as in the LSTM and GRU): exact at 0 and odd.
/// </summary>
internal static class RnnKernels
{
    /// <summary>pre [H] pre-activation in, activation out (kept for backward); h [H] out.</summary>
    public static void ForwardRow(Span<float> pre, Span<float> h, int hidden, bool relu, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(pre.Length >= hidden && h.Length >= hidden);
        Lanes.Run(new Forward { pre = pre, h = h, relu = relu }, hidden, width);
    }

    private ref struct Forward : ILaneKernel
    {
        public Span<float> pre, h; public bool relu;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var a = V.Load(pre, j);
            // ReLU as a select (negative → 0), so a NaN pre-activation stays visible.
            a = relu ? V.SelectLess(a, V.Zero, V.Zero, a) : VectorMath.Tanh(a);
            a.Store(pre, j);
            a.Store(h, j);
        }
    }

    /// <summary>act [H] activations, dh [H] in; dPre [H] out = dh · act'(pre).</summary>
    public static void BackwardRow(ReadOnlySpan<float> act, ReadOnlySpan<float> dh, Span<float> dPre, int hidden, bool relu, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(act.Length >= hidden && dh.Length >= hidden && dPre.Length >= hidden);
        Lanes.Run(new Backward { act = act, dh = dh, dPre = dPre, relu = relu }, hidden, width);
    }

    private ref struct Backward : ILaneKernel
    {
        public ReadOnlySpan<float> act, dh; public Span<float> dPre; public bool relu;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var a = V.Load(act, j);
            var d = V.Load(dh, j);
            // ReLU' is 1 where the activation is positive; tanh' = 1 − tanh².
            (relu ? V.SelectLess(V.Zero, a, d, V.Zero) : d * (V.One - a * a)).Store(dPre, j);
        }
    }
}
