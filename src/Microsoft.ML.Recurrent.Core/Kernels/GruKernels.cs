using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Fused GRU time-step kernels for one batch row, gate order r, z, n, <c>h' = (1−z)∘n + z∘h</c>.
/// Reset-after (PyTorch/cuDNN): <c>n = tanh(W_in x + b_in + r∘(W_hn h + b_hn))</c>, one fused pass.
/// Reset-before (Cho 2014): <c>n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn)</c>; the product with <c>r∘h</c>
/// sits between the gate pass and the candidate pass, so that form has two passes each way.
/// </summary>
internal static class GruKernels
{
    /// <summary>
    /// Reset-after forward. gates [3H]: in r,z pre-activations (both projections and biases) and the n input part
    /// (W_in x + b_in); out activations r,z,n. hn [H] = W_hn h + b_hn; hPrev [H]; out h [H].
    /// </summary>
    public static void ForwardResetAfterRow(Span<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, Span<float> h, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hn.Length >= hidden && hPrev.Length >= hidden && h.Length >= hidden);
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hnr = ref MemoryMarshal.GetReference(hn);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float hr = ref MemoryMarshal.GetReference(h);
        nuint H = (nuint)hidden, j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= H; j += 16)
            {
                var r = VectorMath.Sigmoid(Vector512.LoadUnsafe(ref g0, j));
                var z = VectorMath.Sigmoid(Vector512.LoadUnsafe(ref g0, H + j));
                var n = VectorMath.Tanh(Vector512.FusedMultiplyAdd(r, Vector512.LoadUnsafe(ref hnr, j), Vector512.LoadUnsafe(ref g0, 2 * H + j)));
                var hPrevV = Vector512.LoadUnsafe(ref hp, j);
                r.StoreUnsafe(ref g0, j);
                z.StoreUnsafe(ref g0, H + j);
                n.StoreUnsafe(ref g0, 2 * H + j);
                // (1-z) n + z h = n + z (h - n)
                Vector512.FusedMultiplyAdd(z, hPrevV - n, n).StoreUnsafe(ref hr, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= H; j += 8)
            {
                var r = VectorMath.Sigmoid(Vector256.LoadUnsafe(ref g0, j));
                var z = VectorMath.Sigmoid(Vector256.LoadUnsafe(ref g0, H + j));
                var n = VectorMath.Tanh(Vector256.FusedMultiplyAdd(r, Vector256.LoadUnsafe(ref hnr, j), Vector256.LoadUnsafe(ref g0, 2 * H + j)));
                var hPrevV = Vector256.LoadUnsafe(ref hp, j);
                r.StoreUnsafe(ref g0, j);
                z.StoreUnsafe(ref g0, H + j);
                n.StoreUnsafe(ref g0, 2 * H + j);
                // (1-z) n + z h = n + z (h - n)
                Vector256.FusedMultiplyAdd(z, hPrevV - n, n).StoreUnsafe(ref hr, j);
            }
        }
        ForwardResetAfterScalar(gates, hn, hPrev, h, hidden, (int)j);
    }

    /// <summary>Scalar reference of <see cref="ForwardResetAfterRow"/>.</summary>
    public static void ForwardResetAfterReference(Span<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, Span<float> h, int hidden)
        => ForwardResetAfterScalar(gates, hn, hPrev, h, hidden, 0);

    private static void ForwardResetAfterScalar(Span<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, Span<float> h, int H, int start)
    {
        for (int j = start; j < H; j++)
        {
            float r = VectorMath.Sigmoid(gates[j]), z = VectorMath.Sigmoid(gates[H + j]);
            float n = VectorMath.Tanh(gates[2 * H + j] + r * hn[j]);
            gates[j] = r; gates[H + j] = z; gates[2 * H + j] = n;
            h[j] = n + z * (hPrev[j] - n);
        }
    }

    /// <summary>
    /// Reset-after backward. In gates [3H] activations, hn [H], hPrev [H], dh [H] (total dL/dh_t).
    /// Out dGx [3H] (gradient of the input-side pre-activations), dGh [3H] (of the hidden-side ones, where the n
    /// part is scaled by r), dhPrev [H] = the direct path dh∘z (the caller adds dGh·W_hh).
    /// </summary>
    public static void BackwardResetAfterRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dGx, Span<float> dGh, Span<float> dhPrev, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hn.Length >= hidden && hPrev.Length >= hidden && dh.Length >= hidden
            && dGx.Length >= 3 * hidden && dGh.Length >= 3 * hidden && dhPrev.Length >= hidden);
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hnr = ref MemoryMarshal.GetReference(hn);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dx = ref MemoryMarshal.GetReference(dGx);
        ref float dhh = ref MemoryMarshal.GetReference(dGh);
        ref float dhp = ref MemoryMarshal.GetReference(dhPrev);
        nuint H = (nuint)hidden, j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            var one = Vector512<float>.One;
            for (; j + 16 <= H; j += 16)
            {
                var r = Vector512.LoadUnsafe(ref g0, j);
                var z = Vector512.LoadUnsafe(ref g0, H + j);
                var n = Vector512.LoadUnsafe(ref g0, 2 * H + j);
                var dhV = Vector512.LoadUnsafe(ref dhr, j);
                var hPrevV = Vector512.LoadUnsafe(ref hp, j);
                var dan = dhV * (one - z) * (one - n * n);
                var daz = dhV * (hPrevV - n) * z * (one - z);
                var dar = dan * Vector512.LoadUnsafe(ref hnr, j) * r * (one - r);
                dar.StoreUnsafe(ref dx, j); dar.StoreUnsafe(ref dhh, j);
                daz.StoreUnsafe(ref dx, H + j); daz.StoreUnsafe(ref dhh, H + j);
                dan.StoreUnsafe(ref dx, 2 * H + j); (dan * r).StoreUnsafe(ref dhh, 2 * H + j);
                (dhV * z).StoreUnsafe(ref dhp, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; j + 8 <= H; j += 8)
            {
                var r = Vector256.LoadUnsafe(ref g0, j);
                var z = Vector256.LoadUnsafe(ref g0, H + j);
                var n = Vector256.LoadUnsafe(ref g0, 2 * H + j);
                var dhV = Vector256.LoadUnsafe(ref dhr, j);
                var hPrevV = Vector256.LoadUnsafe(ref hp, j);
                var dan = dhV * (one - z) * (one - n * n);
                var daz = dhV * (hPrevV - n) * z * (one - z);
                var dar = dan * Vector256.LoadUnsafe(ref hnr, j) * r * (one - r);
                dar.StoreUnsafe(ref dx, j); dar.StoreUnsafe(ref dhh, j);
                daz.StoreUnsafe(ref dx, H + j); daz.StoreUnsafe(ref dhh, H + j);
                dan.StoreUnsafe(ref dx, 2 * H + j); (dan * r).StoreUnsafe(ref dhh, 2 * H + j);
                (dhV * z).StoreUnsafe(ref dhp, j);
            }
        }
        BackwardResetAfterScalar(gates, hn, hPrev, dh, dGx, dGh, dhPrev, hidden, (int)j);
    }

    /// <summary>Scalar reference of <see cref="BackwardResetAfterRow"/>.</summary>
    public static void BackwardResetAfterReference(ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dGx, Span<float> dGh, Span<float> dhPrev, int hidden)
        => BackwardResetAfterScalar(gates, hn, hPrev, dh, dGx, dGh, dhPrev, hidden, 0);

    private static void BackwardResetAfterScalar(ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dGx, Span<float> dGh, Span<float> dhPrev, int H, int start)
    {
        for (int j = start; j < H; j++)
        {
            float r = gates[j], z = gates[H + j], n = gates[2 * H + j];
            float dan = dh[j] * (1f - z) * (1f - n * n);
            float daz = dh[j] * (hPrev[j] - n) * z * (1f - z);
            float dar = dan * hn[j] * r * (1f - r);
            dGx[j] = dar; dGh[j] = dar;
            dGx[H + j] = daz; dGh[H + j] = daz;
            dGx[2 * H + j] = dan; dGh[2 * H + j] = dan * r;
            dhPrev[j] = dh[j] * z;
        }
    }

    /// <summary>
    /// Reset-before, forward pass 1. gates [3H]: in r,z pre-activations; out r,z activations (n part untouched).
    /// Out rh [H] = r∘hPrev, the input of the W_hn product.
    /// </summary>
    public static void ResetGatesRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> rh, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && rh.Length >= hidden);
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float rhr = ref MemoryMarshal.GetReference(rh);
        nuint H = (nuint)hidden, j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= H; j += 16)
            {
                var r = VectorMath.Sigmoid(Vector512.LoadUnsafe(ref g0, j));
                r.StoreUnsafe(ref g0, j);
                VectorMath.Sigmoid(Vector512.LoadUnsafe(ref g0, H + j)).StoreUnsafe(ref g0, H + j);
                (r * Vector512.LoadUnsafe(ref hp, j)).StoreUnsafe(ref rhr, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= H; j += 8)
            {
                var r = VectorMath.Sigmoid(Vector256.LoadUnsafe(ref g0, j));
                r.StoreUnsafe(ref g0, j);
                VectorMath.Sigmoid(Vector256.LoadUnsafe(ref g0, H + j)).StoreUnsafe(ref g0, H + j);
                (r * Vector256.LoadUnsafe(ref hp, j)).StoreUnsafe(ref rhr, j);
            }
        }
        for (int k = (int)j; k < hidden; k++)
        {
            float r = VectorMath.Sigmoid(gates[k]);
            gates[k] = r;
            gates[hidden + k] = VectorMath.Sigmoid(gates[hidden + k]);
            rh[k] = r * hPrev[k];
        }
    }

    /// <summary>
    /// Reset-before, forward pass 2. gates n part [2H..3H) in: W_in x + b_in + W_hn (r∘h) + b_hn; out n.
    /// Out h [H] = (1−z)∘n + z∘hPrev.
    /// </summary>
    public static void CandidateRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> h, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && h.Length >= hidden);
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float hr = ref MemoryMarshal.GetReference(h);
        nuint H = (nuint)hidden, j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= H; j += 16)
            {
                var n = VectorMath.Tanh(Vector512.LoadUnsafe(ref g0, 2 * H + j));
                n.StoreUnsafe(ref g0, 2 * H + j);
                var z = Vector512.LoadUnsafe(ref g0, H + j);
                Vector512.FusedMultiplyAdd(z, Vector512.LoadUnsafe(ref hp, j) - n, n).StoreUnsafe(ref hr, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= H; j += 8)
            {
                var n = VectorMath.Tanh(Vector256.LoadUnsafe(ref g0, 2 * H + j));
                n.StoreUnsafe(ref g0, 2 * H + j);
                var z = Vector256.LoadUnsafe(ref g0, H + j);
                Vector256.FusedMultiplyAdd(z, Vector256.LoadUnsafe(ref hp, j) - n, n).StoreUnsafe(ref hr, j);
            }
        }
        for (int k = (int)j; k < hidden; k++)
        {
            float n = VectorMath.Tanh(gates[2 * hidden + k]);
            gates[2 * hidden + k] = n;
            h[k] = n + gates[hidden + k] * (hPrev[k] - n);
        }
    }

    /// <summary>
    /// Reset-before, backward pass 1. In gates [3H] activations, hPrev, dh. Out dG z and n parts
    /// ([H..3H)), dhPrev [H] = dh∘z (direct path).
    /// </summary>
    public static void CandidateBackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh,
        Span<float> dGates, Span<float> dhPrev, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && dh.Length >= hidden && dGates.Length >= 3 * hidden && dhPrev.Length >= hidden);
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dg = ref MemoryMarshal.GetReference(dGates);
        ref float dhp = ref MemoryMarshal.GetReference(dhPrev);
        nuint H = (nuint)hidden, j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            var one = Vector512<float>.One;
            for (; j + 16 <= H; j += 16)
            {
                var z = Vector512.LoadUnsafe(ref g0, H + j);
                var n = Vector512.LoadUnsafe(ref g0, 2 * H + j);
                var dhV = Vector512.LoadUnsafe(ref dhr, j);
                (dhV * (Vector512.LoadUnsafe(ref hp, j) - n) * z * (one - z)).StoreUnsafe(ref dg, H + j);
                (dhV * (one - z) * (one - n * n)).StoreUnsafe(ref dg, 2 * H + j);
                (dhV * z).StoreUnsafe(ref dhp, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; j + 8 <= H; j += 8)
            {
                var z = Vector256.LoadUnsafe(ref g0, H + j);
                var n = Vector256.LoadUnsafe(ref g0, 2 * H + j);
                var dhV = Vector256.LoadUnsafe(ref dhr, j);
                (dhV * (Vector256.LoadUnsafe(ref hp, j) - n) * z * (one - z)).StoreUnsafe(ref dg, H + j);
                (dhV * (one - z) * (one - n * n)).StoreUnsafe(ref dg, 2 * H + j);
                (dhV * z).StoreUnsafe(ref dhp, j);
            }
        }
        for (int k = (int)j; k < hidden; k++)
        {
            float z = gates[hidden + k], n = gates[2 * hidden + k];
            dGates[hidden + k] = dh[k] * (hPrev[k] - n) * z * (1f - z);
            dGates[2 * hidden + k] = dh[k] * (1f - z) * (1f - n * n);
            dhPrev[k] = dh[k] * z;
        }
    }

    /// <summary>
    /// Reset-before, backward pass 2. In gates r [0..H), hPrev, drh [H] = dL/d(r∘h) (= dA_n · W_hn).
    /// Out dG r part [0..H); dhPrev += drh∘r.
    /// </summary>
    public static void ResetBackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> drh,
        Span<float> dGates, Span<float> dhPrev, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && drh.Length >= hidden && dGates.Length >= 3 * hidden && dhPrev.Length >= hidden);
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float d = ref MemoryMarshal.GetReference(drh);
        ref float dg = ref MemoryMarshal.GetReference(dGates);
        ref float dhp = ref MemoryMarshal.GetReference(dhPrev);
        nuint H = (nuint)hidden, j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= H; j += 16)
            {
                var r = Vector512.LoadUnsafe(ref g0, j);
                var drhV = Vector512.LoadUnsafe(ref d, j);
                (drhV * Vector512.LoadUnsafe(ref hp, j) * r * (Vector512<float>.One - r)).StoreUnsafe(ref dg, j);
                Vector512.FusedMultiplyAdd(drhV, r, Vector512.LoadUnsafe(ref dhp, j)).StoreUnsafe(ref dhp, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= H; j += 8)
            {
                var r = Vector256.LoadUnsafe(ref g0, j);
                var drhV = Vector256.LoadUnsafe(ref d, j);
                (drhV * Vector256.LoadUnsafe(ref hp, j) * r * (Vector256<float>.One - r)).StoreUnsafe(ref dg, j);
                Vector256.FusedMultiplyAdd(drhV, r, Vector256.LoadUnsafe(ref dhp, j)).StoreUnsafe(ref dhp, j);
            }
        }
        for (int k = (int)j; k < hidden; k++)
        {
            float r = gates[k];
            dGates[k] = drh[k] * hPrev[k] * r * (1f - r);
            dhPrev[k] += drh[k] * r;
        }
    }
}
