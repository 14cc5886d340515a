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
    public ref struct ForwardResetAfter : ILaneKernel
    {
        public Span<float> Gates, HNew; public ReadOnlySpan<float> Hn, HPrev; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 3 * Hidden && Hn.Length >= Hidden
            && HPrev.Length >= Hidden && HNew.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)Hidden;
            var r = VectorMath.Sigmoid(V.Load(Gates, j));
            var z = VectorMath.Sigmoid(V.Load(Gates, H + j));
            var n = VectorMath.Tanh(V.Fma(r, V.Load(Hn, j), V.Load(Gates, 2 * H + j)));
            r.Store(Gates, j);
            z.Store(Gates, H + j);
            n.Store(Gates, 2 * H + j);
            // (1-z) n + z H = n + z (H - n)
            V.Fma(z, V.Load(HPrev, j) - n, n).Store(HNew, j);
        }
    }

    /// <summary>
    /// Reset-after backward. In gates [3H] activations, hn [H], hPrev [H], dh [H] (total dL/dh_t).
    /// Out dGx [3H] (gradient of the input-side pre-activations), dGh [3H] (of the hidden-side ones, where the n
    /// part is scaled by r), dhPrev [H] = the direct path dh∘z (the caller adds dGh·W_hh).
    /// </summary>
    public ref struct BackwardResetAfter : ILaneKernel
    {
        public ReadOnlySpan<float> Gates, Hn, HPrev, Dh; public Span<float> DGx, DGh, DhPrev; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 3 * Hidden && Hn.Length >= Hidden
            && HPrev.Length >= Hidden && Dh.Length >= Hidden && DGx.Length >= 3 * Hidden && DGh.Length >= 3 * Hidden
            && DhPrev.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)Hidden;
            var one = V.One;
            var r = V.Load(Gates, j);
            var z = V.Load(Gates, H + j);
            var n = V.Load(Gates, 2 * H + j);
            var dhv = V.Load(Dh, j);
            var dan = dhv * (one - z) * (one - n * n);
            var daz = dhv * (V.Load(HPrev, j) - n) * z * (one - z);
            var dar = dan * V.Load(Hn, j) * r * (one - r);
            dar.Store(DGx, j); dar.Store(DGh, j);
            daz.Store(DGx, H + j); daz.Store(DGh, H + j);
            dan.Store(DGx, 2 * H + j); (dan * r).Store(DGh, 2 * H + j);
            (dhv * z).Store(DhPrev, j);
        }
    }

    /// <summary>
    /// Reset-before, forward pass 1. gates [3H]: in r,z pre-activations; out r,z activations (n part untouched).
    /// Out rh [H] = r∘hPrev, the input of the W_hn product.
    /// </summary>
    public ref struct ResetGates : ILaneKernel
    {
        public Span<float> Gates, Rh; public ReadOnlySpan<float> HPrev; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 3 * Hidden && HPrev.Length >= Hidden
            && Rh.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var r = VectorMath.Sigmoid(V.Load(Gates, j));
            r.Store(Gates, j);
            VectorMath.Sigmoid(V.Load(Gates, (nuint)Hidden + j)).Store(Gates, (nuint)Hidden + j);
            (r * V.Load(HPrev, j)).Store(Rh, j);
        }
    }

    /// <summary>
    /// Reset-before, forward pass 2. gates n part [2H..3H) in: W_in x + b_in + W_hn (r∘h) + b_hn; out n.
    /// Out h [H] = (1−z)∘n + z∘hPrev.
    /// </summary>
    public ref struct Candidate : ILaneKernel
    {
        public Span<float> Gates, HNew; public ReadOnlySpan<float> HPrev; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 3 * Hidden && HPrev.Length >= Hidden
            && HNew.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)Hidden;
            var n = VectorMath.Tanh(V.Load(Gates, 2 * H + j));
            n.Store(Gates, 2 * H + j);
            V.Fma(V.Load(Gates, H + j), V.Load(HPrev, j) - n, n).Store(HNew, j);
        }
    }

    /// <summary>
    /// Reset-before, backward pass 1. In gates [3H] activations, hPrev, dh. Out dG z and n parts
    /// ([H..3H)), dhPrev [H] = dh∘z (direct path).
    /// </summary>
    public ref struct CandidateBackward : ILaneKernel
    {
        public ReadOnlySpan<float> Gates, HPrev, Dh; public Span<float> DGates, DhPrev; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 3 * Hidden && HPrev.Length >= Hidden
            && Dh.Length >= Hidden && DGates.Length >= 3 * Hidden && DhPrev.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)Hidden;
            var one = V.One;
            var z = V.Load(Gates, H + j);
            var n = V.Load(Gates, 2 * H + j);
            var dhv = V.Load(Dh, j);
            (dhv * (V.Load(HPrev, j) - n) * z * (one - z)).Store(DGates, H + j);
            (dhv * (one - z) * (one - n * n)).Store(DGates, 2 * H + j);
            (dhv * z).Store(DhPrev, j);
        }
    }

    /// <summary>
    /// Reset-before, backward pass 2. In gates r [0..H), hPrev, drh [H] = dL/d(r∘h) (= dA_n · W_hn).
    /// Out dG r part [0..H); dhPrev += drh∘r.
    /// </summary>
    public ref struct ResetBackward : ILaneKernel
    {
        public ReadOnlySpan<float> Gates, HPrev, Drh; public Span<float> DGates, DhPrev; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 3 * Hidden && HPrev.Length >= Hidden
            && Drh.Length >= Hidden && DGates.Length >= 3 * Hidden && DhPrev.Length >= Hidden);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            var r = V.Load(Gates, j);
            var drhv = V.Load(Drh, j);
            (drhv * V.Load(HPrev, j) * r * (V.One - r)).Store(DGates, j);
            V.Fma(drhv, r, V.Load(DhPrev, j)).Store(DhPrev, j);
        }
    }
}
