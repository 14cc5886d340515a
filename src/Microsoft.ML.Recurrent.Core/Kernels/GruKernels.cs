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
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = ForwardResetAfterRowSimd<V512>(gates, hn, hPrev, h, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = ForwardResetAfterRowSimd<V256>(gates, hn, hPrev, h, hidden, j);
        ForwardResetAfterScalar(gates, hn, hPrev, h, hidden, (int)j);
    }

    /// <summary>SIMD body of <see cref="ForwardResetAfterRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint ForwardResetAfterRowSimd<V>(Span<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, Span<float> h, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hnr = ref MemoryMarshal.GetReference(hn);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float hr = ref MemoryMarshal.GetReference(h);
        nuint H = (nuint)hidden;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var r = VectorMath.Sigmoid(V.Load(ref g0, j));
            var z = VectorMath.Sigmoid(V.Load(ref g0, H + j));
            var n = VectorMath.Tanh(V.Fma(r, V.Load(ref hnr, j), V.Load(ref g0, 2 * H + j)));
            var hPrevV = V.Load(ref hp, j);
            r.Store(ref g0, j);
            z.Store(ref g0, H + j);
            n.Store(ref g0, 2 * H + j);
            // (1-z) n + z h = n + z (h - n)
            V.Fma(z, hPrevV - n, n).Store(ref hr, j);
        }
        return j;
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
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = BackwardResetAfterRowSimd<V512>(gates, hn, hPrev, dh, dGx, dGh, dhPrev, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = BackwardResetAfterRowSimd<V256>(gates, hn, hPrev, dh, dGx, dGh, dhPrev, hidden, j);
        BackwardResetAfterScalar(gates, hn, hPrev, dh, dGx, dGh, dhPrev, hidden, (int)j);
    }

    /// <summary>SIMD body of <see cref="BackwardResetAfterRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint BackwardResetAfterRowSimd<V>(ReadOnlySpan<float> gates, ReadOnlySpan<float> hn, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh, Span<float> dGx, Span<float> dGh, Span<float> dhPrev, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hnr = ref MemoryMarshal.GetReference(hn);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dx = ref MemoryMarshal.GetReference(dGx);
        ref float dhh = ref MemoryMarshal.GetReference(dGh);
        ref float dhp = ref MemoryMarshal.GetReference(dhPrev);
        nuint H = (nuint)hidden;
        var one = V.One;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var r = V.Load(ref g0, j);
            var z = V.Load(ref g0, H + j);
            var n = V.Load(ref g0, 2 * H + j);
            var dhV = V.Load(ref dhr, j);
            var hPrevV = V.Load(ref hp, j);
            var dan = dhV * (one - z) * (one - n * n);
            var daz = dhV * (hPrevV - n) * z * (one - z);
            var dar = dan * V.Load(ref hnr, j) * r * (one - r);
            dar.Store(ref dx, j); dar.Store(ref dhh, j);
            daz.Store(ref dx, H + j); daz.Store(ref dhh, H + j);
            dan.Store(ref dx, 2 * H + j); (dan * r).Store(ref dhh, 2 * H + j);
            (dhV * z).Store(ref dhp, j);
        }
        return j;
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
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = ResetGatesRowSimd<V512>(gates, hPrev, rh, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = ResetGatesRowSimd<V256>(gates, hPrev, rh, hidden, j);
        for (int k = (int)j; k < hidden; k++)
        {
            float r = VectorMath.Sigmoid(gates[k]);
            gates[k] = r;
            gates[hidden + k] = VectorMath.Sigmoid(gates[hidden + k]);
            rh[k] = r * hPrev[k];
        }
    }

    /// <summary>SIMD body of <see cref="ResetGatesRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint ResetGatesRowSimd<V>(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> rh, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float rhr = ref MemoryMarshal.GetReference(rh);
        nuint H = (nuint)hidden;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var r = VectorMath.Sigmoid(V.Load(ref g0, j));
            r.Store(ref g0, j);
            VectorMath.Sigmoid(V.Load(ref g0, H + j)).Store(ref g0, H + j);
            (r * V.Load(ref hp, j)).Store(ref rhr, j);
        }
        return j;
    }

    /// <summary>
    /// Reset-before, forward pass 2. gates n part [2H..3H) in: W_in x + b_in + W_hn (r∘h) + b_hn; out n.
    /// Out h [H] = (1−z)∘n + z∘hPrev.
    /// </summary>
    public static void CandidateRow(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> h, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && h.Length >= hidden);
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = CandidateRowSimd<V512>(gates, hPrev, h, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = CandidateRowSimd<V256>(gates, hPrev, h, hidden, j);
        for (int k = (int)j; k < hidden; k++)
        {
            float n = VectorMath.Tanh(gates[2 * hidden + k]);
            gates[2 * hidden + k] = n;
            h[k] = n + gates[hidden + k] * (hPrev[k] - n);
        }
    }

    /// <summary>SIMD body of <see cref="CandidateRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint CandidateRowSimd<V>(Span<float> gates, ReadOnlySpan<float> hPrev, Span<float> h, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float hr = ref MemoryMarshal.GetReference(h);
        nuint H = (nuint)hidden;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var n = VectorMath.Tanh(V.Load(ref g0, 2 * H + j));
            n.Store(ref g0, 2 * H + j);
            var z = V.Load(ref g0, H + j);
            V.Fma(z, V.Load(ref hp, j) - n, n).Store(ref hr, j);
        }
        return j;
    }

    /// <summary>
    /// Reset-before, backward pass 1. In gates [3H] activations, hPrev, dh. Out dG z and n parts
    /// ([H..3H)), dhPrev [H] = dh∘z (direct path).
    /// </summary>
    public static void CandidateBackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh,
        Span<float> dGates, Span<float> dhPrev, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && dh.Length >= hidden && dGates.Length >= 3 * hidden && dhPrev.Length >= hidden);
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = CandidateBackwardRowSimd<V512>(gates, hPrev, dh, dGates, dhPrev, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = CandidateBackwardRowSimd<V256>(gates, hPrev, dh, dGates, dhPrev, hidden, j);
        for (int k = (int)j; k < hidden; k++)
        {
            float z = gates[hidden + k], n = gates[2 * hidden + k];
            dGates[hidden + k] = dh[k] * (hPrev[k] - n) * z * (1f - z);
            dGates[2 * hidden + k] = dh[k] * (1f - z) * (1f - n * n);
            dhPrev[k] = dh[k] * z;
        }
    }

    /// <summary>SIMD body of <see cref="CandidateBackwardRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint CandidateBackwardRowSimd<V>(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> dh, Span<float> dGates, Span<float> dhPrev, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dg = ref MemoryMarshal.GetReference(dGates);
        ref float dhp = ref MemoryMarshal.GetReference(dhPrev);
        nuint H = (nuint)hidden;
        var one = V.One;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var z = V.Load(ref g0, H + j);
            var n = V.Load(ref g0, 2 * H + j);
            var dhV = V.Load(ref dhr, j);
            (dhV * (V.Load(ref hp, j) - n) * z * (one - z)).Store(ref dg, H + j);
            (dhV * (one - z) * (one - n * n)).Store(ref dg, 2 * H + j);
            (dhV * z).Store(ref dhp, j);
        }
        return j;
    }

    /// <summary>
    /// Reset-before, backward pass 2. In gates r [0..H), hPrev, drh [H] = dL/d(r∘h) (= dA_n · W_hn).
    /// Out dG r part [0..H); dhPrev += drh∘r.
    /// </summary>
    public static void ResetBackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> drh,
        Span<float> dGates, Span<float> dhPrev, int hidden)
    {
        KernelGuard.Check(gates.Length >= 3 * hidden && hPrev.Length >= hidden && drh.Length >= hidden && dGates.Length >= 3 * hidden && dhPrev.Length >= hidden);
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = ResetBackwardRowSimd<V512>(gates, hPrev, drh, dGates, dhPrev, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = ResetBackwardRowSimd<V256>(gates, hPrev, drh, dGates, dhPrev, hidden, j);
        for (int k = (int)j; k < hidden; k++)
        {
            float r = gates[k];
            dGates[k] = drh[k] * hPrev[k] * r * (1f - r);
            dhPrev[k] += drh[k] * r;
        }
    }

    /// <summary>SIMD body of <see cref="ResetBackwardRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint ResetBackwardRowSimd<V>(ReadOnlySpan<float> gates, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> drh, Span<float> dGates, Span<float> dhPrev, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float hp = ref MemoryMarshal.GetReference(hPrev);
        ref float d = ref MemoryMarshal.GetReference(drh);
        ref float dg = ref MemoryMarshal.GetReference(dGates);
        ref float dhp = ref MemoryMarshal.GetReference(dhPrev);
        nuint H = (nuint)hidden;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var r = V.Load(ref g0, j);
            var drhV = V.Load(ref d, j);
            (drhV * V.Load(ref hp, j) * r * (V.One - r)).Store(ref dg, j);
            V.Fma(drhV, r, V.Load(ref dhp, j)).Store(ref dhp, j);
        }
        return j;
    }
}
