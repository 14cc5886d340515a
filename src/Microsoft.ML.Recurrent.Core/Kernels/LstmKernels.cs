using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Fused LSTM time-step kernels for one batch row: every gate activation and the state update in one pass
/// (forward), and all pre-activation gradients in one pass (backward). Gate order is PyTorch's: i, f, g, o.
/// Peephole weights (Gers &amp; Schmidhuber 2000) are diagonal: i and f see c_{t-1}, o sees c_t.
/// </summary>
internal static class LstmKernels
{
    /// <summary>
    /// gates [4H]: in pre-activations (x-projection + biases + h-projection), out activations i,f,g,o.
    /// cPrev [H], peephole empty or [3H] (p_i, p_f, p_o); out c [H], tanhC [H], h [H].
    /// </summary>
    public static void ForwardRow(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole,
        Span<float> c, Span<float> tanhC, Span<float> h, int hidden)
    {
        KernelGuard.Check(gates.Length >= 4 * hidden && cPrev.Length >= hidden && c.Length >= hidden && tanhC.Length >= hidden && h.Length >= hidden
            && (peephole.IsEmpty || peephole.Length >= 3 * hidden));
        bool peep = !peephole.IsEmpty;
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float cp = ref MemoryMarshal.GetReference(cPrev);
        ref float pp = ref MemoryMarshal.GetReference(peephole);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float tc = ref MemoryMarshal.GetReference(tanhC);
        ref float hr = ref MemoryMarshal.GetReference(h);
        nuint H = (nuint)hidden;
        nuint j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= H; j += 16)
            {
                var cPrevV = Vector512.LoadUnsafe(ref cp, j);
                var ai = Vector512.LoadUnsafe(ref g0, j);
                var af = Vector512.LoadUnsafe(ref g0, H + j);
                var ag = Vector512.LoadUnsafe(ref g0, 2 * H + j);
                var ao = Vector512.LoadUnsafe(ref g0, 3 * H + j);
                if (peep)
                {
                    ai = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pp, j), cPrevV, ai);
                    af = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pp, H + j), cPrevV, af);
                }
                var i = VectorMath.Sigmoid(ai);
                var f = VectorMath.Sigmoid(af);
                var g = VectorMath.Tanh(ag);
                var cNew = Vector512.FusedMultiplyAdd(f, cPrevV, i * g);
                if (peep) ao = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pp, 2 * H + j), cNew, ao);
                var o = VectorMath.Sigmoid(ao);
                var t = VectorMath.Tanh(cNew);
                i.StoreUnsafe(ref g0, j);
                f.StoreUnsafe(ref g0, H + j);
                g.StoreUnsafe(ref g0, 2 * H + j);
                o.StoreUnsafe(ref g0, 3 * H + j);
                cNew.StoreUnsafe(ref cr, j);
                t.StoreUnsafe(ref tc, j);
                (o * t).StoreUnsafe(ref hr, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= H; j += 8)
            {
                var cPrevV = Vector256.LoadUnsafe(ref cp, j);
                var ai = Vector256.LoadUnsafe(ref g0, j);
                var af = Vector256.LoadUnsafe(ref g0, H + j);
                var ag = Vector256.LoadUnsafe(ref g0, 2 * H + j);
                var ao = Vector256.LoadUnsafe(ref g0, 3 * H + j);
                if (peep)
                {
                    ai = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pp, j), cPrevV, ai);
                    af = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pp, H + j), cPrevV, af);
                }
                var i = VectorMath.Sigmoid(ai);
                var f = VectorMath.Sigmoid(af);
                var g = VectorMath.Tanh(ag);
                var cNew = Vector256.FusedMultiplyAdd(f, cPrevV, i * g);
                if (peep) ao = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pp, 2 * H + j), cNew, ao);
                var o = VectorMath.Sigmoid(ao);
                var t = VectorMath.Tanh(cNew);
                i.StoreUnsafe(ref g0, j);
                f.StoreUnsafe(ref g0, H + j);
                g.StoreUnsafe(ref g0, 2 * H + j);
                o.StoreUnsafe(ref g0, 3 * H + j);
                cNew.StoreUnsafe(ref cr, j);
                t.StoreUnsafe(ref tc, j);
                (o * t).StoreUnsafe(ref hr, j);
            }
        }
        ForwardScalar(gates, cPrev, peephole, c, tanhC, h, hidden, (int)j);
    }

    /// <summary>Scalar reference of <see cref="ForwardRow"/>; also the tail of the SIMD body.</summary>
    public static void ForwardReference(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole,
        Span<float> c, Span<float> tanhC, Span<float> h, int hidden)
        => ForwardScalar(gates, cPrev, peephole, c, tanhC, h, hidden, 0);

    private static void ForwardScalar(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole,
        Span<float> c, Span<float> tanhC, Span<float> h, int H, int start)
    {
        bool peep = !peephole.IsEmpty;
        for (int j = start; j < H; j++)
        {
            float ai = gates[j], af = gates[H + j], ag = gates[2 * H + j], ao = gates[3 * H + j];
            if (peep) { ai += peephole[j] * cPrev[j]; af += peephole[H + j] * cPrev[j]; }
            float i = VectorMath.Sigmoid(ai), f = VectorMath.Sigmoid(af), g = VectorMath.Tanh(ag);
            float cNew = f * cPrev[j] + i * g;
            if (peep) ao += peephole[2 * H + j] * cNew;
            float o = VectorMath.Sigmoid(ao), t = VectorMath.Tanh(cNew);
            gates[j] = i; gates[H + j] = f; gates[2 * H + j] = g; gates[3 * H + j] = o;
            c[j] = cNew; tanhC[j] = t; h[j] = o * t;
        }
    }

    /// <summary>
    /// Backward of one step for one row. In: gates [4H] (activations), cPrev [H], c [H], tanhC [H], peephole,
    /// dh [H] (total dL/dh_t), dc [H] (dL/dc_t arriving from step t+1). Out: dGates [4H] (dL/d pre-activation),
    /// dcPrev [H] (dL/dc_{t-1}); dPeephole [3H] is accumulated (+=) when peepholes are on.
    /// </summary>
    public static void BackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> peephole, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        Span<float> dGates, Span<float> dcPrev, Span<float> dPeephole, int hidden)
    {
        KernelGuard.Check(gates.Length >= 4 * hidden && cPrev.Length >= hidden && c.Length >= hidden && tanhC.Length >= hidden
            && dh.Length >= hidden && dc.Length >= hidden && dGates.Length >= 4 * hidden && dcPrev.Length >= hidden
            && (peephole.IsEmpty || (peephole.Length >= 3 * hidden && dPeephole.Length >= 3 * hidden)));
        bool peep = !peephole.IsEmpty;
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float cp = ref MemoryMarshal.GetReference(cPrev);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float tc = ref MemoryMarshal.GetReference(tanhC);
        ref float pp = ref MemoryMarshal.GetReference(peephole);
        ref float dhr = ref MemoryMarshal.GetReference(dh);
        ref float dcr = ref MemoryMarshal.GetReference(dc);
        ref float dg0 = ref MemoryMarshal.GetReference(dGates);
        ref float dcp = ref MemoryMarshal.GetReference(dcPrev);
        ref float dpp = ref MemoryMarshal.GetReference(dPeephole);
        nuint H = (nuint)hidden;
        nuint j = 0;
        // AVX-512: 16 lanes a step, then the 8-lane loop below takes an 8-wide remainder.
        if (Vector512.IsHardwareAccelerated)
        {
            var one = Vector512<float>.One;
            for (; j + 16 <= H; j += 16)
            {
                var i = Vector512.LoadUnsafe(ref g0, j);
                var f = Vector512.LoadUnsafe(ref g0, H + j);
                var g = Vector512.LoadUnsafe(ref g0, 2 * H + j);
                var o = Vector512.LoadUnsafe(ref g0, 3 * H + j);
                var t = Vector512.LoadUnsafe(ref tc, j);
                var dhV = Vector512.LoadUnsafe(ref dhr, j);
                var cPrevV = Vector512.LoadUnsafe(ref cp, j);
                // dL/do and the pre-activation gradient of o.
                var dao = dhV * t * o * (one - o);
                // dL/dc_t: from h_t = o*tanh(c_t), from step t+1, and through the o peephole.
                var dcV = Vector512.FusedMultiplyAdd(dhV * o, one - t * t, Vector512.LoadUnsafe(ref dcr, j));
                if (peep) dcV = Vector512.FusedMultiplyAdd(dao, Vector512.LoadUnsafe(ref pp, 2 * H + j), dcV);
                var dai = dcV * g * i * (one - i);
                var daf = dcV * cPrevV * f * (one - f);
                var dag = dcV * i * (one - g * g);
                var dcPrevV = dcV * f;
                if (peep)
                {
                    dcPrevV = Vector512.FusedMultiplyAdd(dai, Vector512.LoadUnsafe(ref pp, j), dcPrevV);
                    dcPrevV = Vector512.FusedMultiplyAdd(daf, Vector512.LoadUnsafe(ref pp, H + j), dcPrevV);
                    Vector512.FusedMultiplyAdd(dai, cPrevV, Vector512.LoadUnsafe(ref dpp, j)).StoreUnsafe(ref dpp, j);
                    Vector512.FusedMultiplyAdd(daf, cPrevV, Vector512.LoadUnsafe(ref dpp, H + j)).StoreUnsafe(ref dpp, H + j);
                    Vector512.FusedMultiplyAdd(dao, Vector512.LoadUnsafe(ref cr, j), Vector512.LoadUnsafe(ref dpp, 2 * H + j)).StoreUnsafe(ref dpp, 2 * H + j);
                }
                dai.StoreUnsafe(ref dg0, j);
                daf.StoreUnsafe(ref dg0, H + j);
                dag.StoreUnsafe(ref dg0, 2 * H + j);
                dao.StoreUnsafe(ref dg0, 3 * H + j);
                dcPrevV.StoreUnsafe(ref dcp, j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; j + 8 <= H; j += 8)
            {
                var i = Vector256.LoadUnsafe(ref g0, j);
                var f = Vector256.LoadUnsafe(ref g0, H + j);
                var g = Vector256.LoadUnsafe(ref g0, 2 * H + j);
                var o = Vector256.LoadUnsafe(ref g0, 3 * H + j);
                var t = Vector256.LoadUnsafe(ref tc, j);
                var dhV = Vector256.LoadUnsafe(ref dhr, j);
                var cPrevV = Vector256.LoadUnsafe(ref cp, j);
                // dL/do and the pre-activation gradient of o.
                var dao = dhV * t * o * (one - o);
                // dL/dc_t: from h_t = o*tanh(c_t), from step t+1, and through the o peephole.
                var dcV = Vector256.FusedMultiplyAdd(dhV * o, one - t * t, Vector256.LoadUnsafe(ref dcr, j));
                if (peep) dcV = Vector256.FusedMultiplyAdd(dao, Vector256.LoadUnsafe(ref pp, 2 * H + j), dcV);
                var dai = dcV * g * i * (one - i);
                var daf = dcV * cPrevV * f * (one - f);
                var dag = dcV * i * (one - g * g);
                var dcPrevV = dcV * f;
                if (peep)
                {
                    dcPrevV = Vector256.FusedMultiplyAdd(dai, Vector256.LoadUnsafe(ref pp, j), dcPrevV);
                    dcPrevV = Vector256.FusedMultiplyAdd(daf, Vector256.LoadUnsafe(ref pp, H + j), dcPrevV);
                    Vector256.FusedMultiplyAdd(dai, cPrevV, Vector256.LoadUnsafe(ref dpp, j)).StoreUnsafe(ref dpp, j);
                    Vector256.FusedMultiplyAdd(daf, cPrevV, Vector256.LoadUnsafe(ref dpp, H + j)).StoreUnsafe(ref dpp, H + j);
                    Vector256.FusedMultiplyAdd(dao, Vector256.LoadUnsafe(ref cr, j), Vector256.LoadUnsafe(ref dpp, 2 * H + j)).StoreUnsafe(ref dpp, 2 * H + j);
                }
                dai.StoreUnsafe(ref dg0, j);
                daf.StoreUnsafe(ref dg0, H + j);
                dag.StoreUnsafe(ref dg0, 2 * H + j);
                dao.StoreUnsafe(ref dg0, 3 * H + j);
                dcPrevV.StoreUnsafe(ref dcp, j);
            }
        }
        BackwardScalar(gates, cPrev, c, tanhC, peephole, dh, dc, dGates, dcPrev, dPeephole, hidden, (int)j);
    }

    /// <summary>Scalar reference of <see cref="BackwardRow"/>.</summary>
    public static void BackwardReference(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> peephole, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        Span<float> dGates, Span<float> dcPrev, Span<float> dPeephole, int hidden)
        => BackwardScalar(gates, cPrev, c, tanhC, peephole, dh, dc, dGates, dcPrev, dPeephole, hidden, 0);

    private static void BackwardScalar(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> peephole, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        Span<float> dGates, Span<float> dcPrev, Span<float> dPeephole, int H, int start)
    {
        bool peep = !peephole.IsEmpty;
        for (int j = start; j < H; j++)
        {
            float i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j], t = tanhC[j];
            float dao = dh[j] * t * o * (1f - o);
            float dcv = dh[j] * o * (1f - t * t) + dc[j];
            if (peep) dcv += dao * peephole[2 * H + j];
            float dai = dcv * g * i * (1f - i);
            float daf = dcv * cPrev[j] * f * (1f - f);
            float dag = dcv * i * (1f - g * g);
            float dcp = dcv * f;
            if (peep)
            {
                dcp += dai * peephole[j] + daf * peephole[H + j];
                dPeephole[j] += dai * cPrev[j];
                dPeephole[H + j] += daf * cPrev[j];
                dPeephole[2 * H + j] += dao * c[j];
            }
            dGates[j] = dai; dGates[H + j] = daf; dGates[2 * H + j] = dag; dGates[3 * H + j] = dao;
            dcPrev[j] = dcp;
        }
    }
}
