using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Fused GRU time-step kernels for one batch row, gate order r, z, n, <c>h' = (1−z)∘n + z∘h</c>.
/// Reset-after (PyTorch/cuDNN): <c>n = tanh(W_in x + b_in + r∘(W_hn h + b_hn))</c>, one fused pass.
/// Reset-before (Cho 2014): <c>n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn)</c>; the product with <c>r∘h</c>
/// sits between the gate pass and the candidate pass, so that form has two passes each way.
/// Each is written once as a lane operation (<see cref="ILaneKernel"/>) and driven by <see cref="Lanes.Run"/>.
/// </summary>
internal static class GruKernels
{
    /// <summary>
    /// Reset-after forward. gates [3H]: in r,z pre-activations (both projections and biases) and the n input part
    /// (W_in x + b_in); out activations r,z,n. hn [H] = W_hn h + b_hn; hPrev [H]; out h [H].
    /// </summary>
    public static void ForwardResetAfterRow(Span<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, Span<float> h, int hidden,
        LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hn.Length >= hidden && hPrev.Length >= hidden && h.Length >= hidden);
        var k = new ForwardResetAfter(gates, hn, hPrev, h, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct ForwardResetAfter(Span<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, Span<float> h, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _hn = ref MemoryMarshal.GetReference(hn);
        private readonly ref float _hp = ref MemoryMarshal.GetReference(hPrev);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);
        private readonly nuint _H = (nuint)hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = _H;
            var r = VectorMath.Sigmoid(V.Load(ref _g, j));
            var z = VectorMath.Sigmoid(V.Load(ref _g, H + j));
            var n = VectorMath.Tanh(V.Fma(r, V.Load(ref _hn, j), V.Load(ref _g, 2 * H + j)));
            r.Store(ref _g, j);
            z.Store(ref _g, H + j);
            n.Store(ref _g, 2 * H + j);
            // (1-z) n + z h = n + z (h - n)
            V.Fma(z, V.Load(ref _hp, j) - n, n).Store(ref _h, j);
        }
    }

    /// <summary>
    /// Reset-after backward. In gates [3H] activations, hn [H], hPrev [H], dh [H] (total dL/dh_t).
    /// Out dGx [3H] (gradient of the input-side pre-activations), dGh [3H] (of the hidden-side ones, where the n
    /// part is scaled by r), dhPrev [H] = the direct path dh∘z (the caller adds dGh·W_hh).
    /// </summary>
    public static void BackwardResetAfterRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dGx, Span<float> dGh, Span<float> dhPrev, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hn.Length >= hidden && hPrev.Length >= hidden && dh.Length >= hidden
            && dGx.Length >= 3 * hidden && dGh.Length >= 3 * hidden && dhPrev.Length >= hidden);
        var k = new BackwardResetAfter(gates, hn, hPrev, dh, dGx, dGh, dhPrev, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct BackwardResetAfter(ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dGx, Span<float> dGh, Span<float> dhPrev, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _hn = ref MemoryMarshal.GetReference(hn);
        private readonly ref float _hp = ref MemoryMarshal.GetReference(hPrev);
        private readonly ref float _dh = ref MemoryMarshal.GetReference(dh);
        private readonly ref float _dx = ref MemoryMarshal.GetReference(dGx);
        private readonly ref float _dhh = ref MemoryMarshal.GetReference(dGh);
        private readonly ref float _dhp = ref MemoryMarshal.GetReference(dhPrev);
        private readonly nuint _H = (nuint)hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = _H;
            var one = V.One;
            var r = V.Load(ref _g, j);
            var z = V.Load(ref _g, H + j);
            var n = V.Load(ref _g, 2 * H + j);
            var dh = V.Load(ref _dh, j);
            var dan = dh * (one - z) * (one - n * n);
            var daz = dh * (V.Load(ref _hp, j) - n) * z * (one - z);
            var dar = dan * V.Load(ref _hn, j) * r * (one - r);
            dar.Store(ref _dx, j); dar.Store(ref _dhh, j);
            daz.Store(ref _dx, H + j); daz.Store(ref _dhh, H + j);
            dan.Store(ref _dx, 2 * H + j); (dan * r).Store(ref _dhh, 2 * H + j);
            (dh * z).Store(ref _dhp, j);
        }
    }

    /// <summary>
    /// Reset-before, forward pass 1. gates [3H]: in r,z pre-activations; out r,z activations (n part untouched).
    /// Out rh [H] = r∘hPrev, the input of the W_hn product.
    /// </summary>
    public static void ResetGatesRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> rh, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && rh.Length >= hidden);
        var k = new ResetGates(gates, hPrev, rh, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct ResetGates(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> rh, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _hp = ref MemoryMarshal.GetReference(hPrev);
        private readonly ref float _rh = ref MemoryMarshal.GetReference(rh);
        private readonly nuint _H = (nuint)hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var r = VectorMath.Sigmoid(V.Load(ref _g, j));
            r.Store(ref _g, j);
            VectorMath.Sigmoid(V.Load(ref _g, _H + j)).Store(ref _g, _H + j);
            (r * V.Load(ref _hp, j)).Store(ref _rh, j);
        }
    }

    /// <summary>
    /// Reset-before, forward pass 2. gates n part [2H..3H) in: W_in x + b_in + W_hn (r∘h) + b_hn; out n.
    /// Out h [H] = (1−z)∘n + z∘hPrev.
    /// </summary>
    public static void CandidateRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> h, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && h.Length >= hidden);
        var k = new Candidate(gates, hPrev, h, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct Candidate(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> h, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _hp = ref MemoryMarshal.GetReference(hPrev);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);
        private readonly nuint _H = (nuint)hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = _H;
            var n = VectorMath.Tanh(V.Load(ref _g, 2 * H + j));
            n.Store(ref _g, 2 * H + j);
            V.Fma(V.Load(ref _g, H + j), V.Load(ref _hp, j) - n, n).Store(ref _h, j);
        }
    }

    /// <summary>
    /// Reset-before, backward pass 1. In gates [3H] activations, hPrev, dh. Out dG z and n parts
    /// ([H..3H)), dhPrev [H] = dh∘z (direct path).
    /// </summary>
    public static void CandidateBackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh,
        Span<float> dGates, Span<float> dhPrev, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && dh.Length >= hidden && dGates.Length >= 3 * hidden && dhPrev.Length >= hidden);
        var k = new CandidateBackward(gates, hPrev, dh, dGates, dhPrev, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct CandidateBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh,
        Span<float> dGates, Span<float> dhPrev, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _hp = ref MemoryMarshal.GetReference(hPrev);
        private readonly ref float _dh = ref MemoryMarshal.GetReference(dh);
        private readonly ref float _dg = ref MemoryMarshal.GetReference(dGates);
        private readonly ref float _dhp = ref MemoryMarshal.GetReference(dhPrev);
        private readonly nuint _H = (nuint)hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = _H;
            var one = V.One;
            var z = V.Load(ref _g, H + j);
            var n = V.Load(ref _g, 2 * H + j);
            var dh = V.Load(ref _dh, j);
            (dh * (V.Load(ref _hp, j) - n) * z * (one - z)).Store(ref _dg, H + j);
            (dh * (one - z) * (one - n * n)).Store(ref _dg, 2 * H + j);
            (dh * z).Store(ref _dhp, j);
        }
    }

    /// <summary>
    /// Reset-before, backward pass 2. In gates r [0..H), hPrev, drh [H] = dL/d(r∘h) (= dA_n · W_hn).
    /// Out dG r part [0..H); dhPrev += drh∘r.
    /// </summary>
    public static void ResetBackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> drh,
        Span<float> dGates, Span<float> dhPrev, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && drh.Length >= hidden && dGates.Length >= 3 * hidden && dhPrev.Length >= hidden);
        var k = new ResetBackward(gates, hPrev, drh, dGates, dhPrev);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct ResetBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> drh,
        Span<float> dGates, Span<float> dhPrev) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _hp = ref MemoryMarshal.GetReference(hPrev);
        private readonly ref float _drh = ref MemoryMarshal.GetReference(drh);
        private readonly ref float _dg = ref MemoryMarshal.GetReference(dGates);
        private readonly ref float _dhp = ref MemoryMarshal.GetReference(dhPrev);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var r = V.Load(ref _g, j);
            var drh = V.Load(ref _drh, j);
            (drh * V.Load(ref _hp, j) * r * (V.One - r)).Store(ref _dg, j);
            V.Fma(drh, r, V.Load(ref _dhp, j)).Store(ref _dhp, j);
        }
    }
}
