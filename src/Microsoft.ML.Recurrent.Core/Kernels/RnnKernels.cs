using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Elman RNN step kernels for one batch row: <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>, act = tanh or ReLU.
/// tanh is the engine's own (<see cref="VectorMath.Tanh{V}"/>, as in the LSTM and GRU): exact at 0 and odd.
/// </summary>
internal static class RnnKernels
{
    /// <summary>Pre [H] pre-activation in, activation out (kept for backward); HNew [H] out.</summary>
    public ref struct Forward : ILaneKernel
    {
        public Span<float> Pre, HNew; public int Hidden; public bool Relu;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Pre.Length >= Hidden && HNew.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var a = V.Load(Pre, j);
            // ReLU as a select (negative → 0), so a NaN pre-activation stays visible.
            a = Relu ? V.SelectLess(a, V.Zero, V.Zero, a) : VectorMath.Tanh(a);
            a.Store(Pre, j);
            a.Store(HNew, j);
        }
    }

    /// <summary>Act [H] activations, Dh [H] in; DPre [H] out = Dh · act'(pre).</summary>
    public ref struct Backward : ILaneKernel
    {
        public ReadOnlySpan<float> Act, Dh; public Span<float> DPre; public int Hidden; public bool Relu;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Act.Length >= Hidden && Dh.Length >= Hidden && DPre.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var a = V.Load(Act, j);
            var d = V.Load(Dh, j);
            // ReLU' is 1 where the activation is positive; tanh' = 1 − tanh².
            (Relu ? V.SelectLess(V.Zero, a, d, V.Zero) : d * (V.One - a * a)).Store(DPre, j);
        }
    }
}
