using System.Runtime.CompilerServices;

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
        Lanes.Run(new ForwardResetAfter { gates = gates, hn = hn, hPrev = hPrev, h = h, hidden = hidden }, hidden, width);
    }

    private ref struct ForwardResetAfter : ILaneKernel
    {
        public Span<float> gates, h; public ReadOnlySpan<float> hn, hPrev; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)hidden;
            var r = VectorMath.Sigmoid(V.Load(gates, j));
            var z = VectorMath.Sigmoid(V.Load(gates, H + j));
            var n = VectorMath.Tanh(V.Fma(r, V.Load(hn, j), V.Load(gates, 2 * H + j)));
            r.Store(gates, j);
            z.Store(gates, H + j);
            n.Store(gates, 2 * H + j);
            // (1-z) n + z h = n + z (h - n)
            V.Fma(z, V.Load(hPrev, j) - n, n).Store(h, j);
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
        Lanes.Run(new BackwardResetAfter { gates = gates, hn = hn, hPrev = hPrev, dh = dh, dGx = dGx, dGh = dGh, dhPrev = dhPrev, hidden = hidden }, hidden, width);
    }

    private ref struct BackwardResetAfter : ILaneKernel
    {
        public ReadOnlySpan<float> gates, hn, hPrev, dh; public Span<float> dGx, dGh, dhPrev; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)hidden;
            var one = V.One;
            var r = V.Load(gates, j);
            var z = V.Load(gates, H + j);
            var n = V.Load(gates, 2 * H + j);
            var dhv = V.Load(dh, j);
            var dan = dhv * (one - z) * (one - n * n);
            var daz = dhv * (V.Load(hPrev, j) - n) * z * (one - z);
            var dar = dan * V.Load(hn, j) * r * (one - r);
            dar.Store(dGx, j); dar.Store(dGh, j);
            daz.Store(dGx, H + j); daz.Store(dGh, H + j);
            dan.Store(dGx, 2 * H + j); (dan * r).Store(dGh, 2 * H + j);
            (dhv * z).Store(dhPrev, j);
        }
    }

    /// <summary>
    /// Reset-before, forward pass 1. gates [3H]: in r,z pre-activations; out r,z activations (n part untouched).
    /// Out rh [H] = r∘hPrev, the input of the W_hn product.
    /// </summary>
    public static void ResetGatesRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> rh, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && rh.Length >= hidden);
        Lanes.Run(new ResetGates { gates = gates, hPrev = hPrev, rh = rh, hidden = hidden }, hidden, width);
    }

    private ref struct ResetGates : ILaneKernel
    {
        public Span<float> gates, rh; public ReadOnlySpan<float> hPrev; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var r = VectorMath.Sigmoid(V.Load(gates, j));
            r.Store(gates, j);
            VectorMath.Sigmoid(V.Load(gates, (nuint)hidden + j)).Store(gates, (nuint)hidden + j);
            (r * V.Load(hPrev, j)).Store(rh, j);
        }
    }

    /// <summary>
    /// Reset-before, forward pass 2. gates n part [2H..3H) in: W_in x + b_in + W_hn (r∘h) + b_hn; out n.
    /// Out h [H] = (1−z)∘n + z∘hPrev.
    /// </summary>
    public static void CandidateRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> h, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && h.Length >= hidden);
        Lanes.Run(new Candidate { gates = gates, hPrev = hPrev, h = h, hidden = hidden }, hidden, width);
    }

    private ref struct Candidate : ILaneKernel
    {
        public Span<float> gates, h; public ReadOnlySpan<float> hPrev; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)hidden;
            var n = VectorMath.Tanh(V.Load(gates, 2 * H + j));
            n.Store(gates, 2 * H + j);
            V.Fma(V.Load(gates, H + j), V.Load(hPrev, j) - n, n).Store(h, j);
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
        Lanes.Run(new CandidateBackward { gates = gates, hPrev = hPrev, dh = dh, dGates = dGates, dhPrev = dhPrev, hidden = hidden }, hidden, width);
    }

    private ref struct CandidateBackward : ILaneKernel
    {
        public ReadOnlySpan<float> gates, hPrev, dh; public Span<float> dGates, dhPrev; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)hidden;
            var one = V.One;
            var z = V.Load(gates, H + j);
            var n = V.Load(gates, 2 * H + j);
            var dhv = V.Load(dh, j);
            (dhv * (V.Load(hPrev, j) - n) * z * (one - z)).Store(dGates, H + j);
            (dhv * (one - z) * (one - n * n)).Store(dGates, 2 * H + j);
            (dhv * z).Store(dhPrev, j);
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
        Lanes.Run(new ResetBackward { gates = gates, hPrev = hPrev, drh = drh, dGates = dGates, dhPrev = dhPrev }, hidden, width);
    }

    private ref struct ResetBackward : ILaneKernel
    {
        public ReadOnlySpan<float> gates, hPrev, drh; public Span<float> dGates, dhPrev;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var r = V.Load(gates, j);
            var drhv = V.Load(drh, j);
            (drhv * V.Load(hPrev, j) * r * (V.One - r)).Store(dGates, j);
            V.Fma(drhv, r, V.Load(dhPrev, j)).Store(dhPrev, j);
        }
    }
}
