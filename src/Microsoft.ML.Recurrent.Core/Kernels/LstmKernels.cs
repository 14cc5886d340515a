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
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = ForwardRowSimd<V512>(gates, cPrev, peephole, c, tanhC, h, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = ForwardRowSimd<V256>(gates, cPrev, peephole, c, tanhC, h, hidden, j);
        ForwardScalar(gates, cPrev, peephole, c, tanhC, h, hidden, (int)j);
    }

    /// <summary>SIMD body of <see cref="ForwardRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint ForwardRowSimd<V>(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole, Span<float> c, Span<float> tanhC, Span<float> h, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
        bool peep = !peephole.IsEmpty;
        ref float g0 = ref MemoryMarshal.GetReference(gates);
        ref float cp = ref MemoryMarshal.GetReference(cPrev);
        ref float pp = ref MemoryMarshal.GetReference(peephole);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float tc = ref MemoryMarshal.GetReference(tanhC);
        ref float hr = ref MemoryMarshal.GetReference(h);
        nuint H = (nuint)hidden;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var cPrevV = V.Load(ref cp, j);
            var ai = V.Load(ref g0, j);
            var af = V.Load(ref g0, H + j);
            var ag = V.Load(ref g0, 2 * H + j);
            var ao = V.Load(ref g0, 3 * H + j);
            if (peep)
            {
                ai = V.Fma(V.Load(ref pp, j), cPrevV, ai);
                af = V.Fma(V.Load(ref pp, H + j), cPrevV, af);
            }
            var i = VectorMath.Sigmoid(ai);
            var f = VectorMath.Sigmoid(af);
            var g = VectorMath.Tanh(ag);
            var cNew = V.Fma(f, cPrevV, i * g);
            if (peep) ao = V.Fma(V.Load(ref pp, 2 * H + j), cNew, ao);
            var o = VectorMath.Sigmoid(ao);
            var t = VectorMath.Tanh(cNew);
            i.Store(ref g0, j);
            f.Store(ref g0, H + j);
            g.Store(ref g0, 2 * H + j);
            o.Store(ref g0, 3 * H + j);
            cNew.Store(ref cr, j);
            t.Store(ref tc, j);
            (o * t).Store(ref hr, j);
        }
        return j;
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
        nuint j = 0;
        if (Vector512.IsHardwareAccelerated) j = BackwardRowSimd<V512>(gates, cPrev, c, tanhC, peephole, dh, dc, dGates, dcPrev, dPeephole, hidden, j);
        if (Vector256.IsHardwareAccelerated) j = BackwardRowSimd<V256>(gates, cPrev, c, tanhC, peephole, dh, dc, dGates, dcPrev, dPeephole, hidden, j);
        BackwardScalar(gates, cPrev, c, tanhC, peephole, dh, dc, dGates, dcPrev, dPeephole, hidden, (int)j);
    }

    /// <summary>SIMD body of <see cref="BackwardRow"/> from lane <paramref name="j"/>, one register width at a time; returns where it stopped.</summary>
    private static nuint BackwardRowSimd<V>(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c, ReadOnlySpan<float> tanhC, ReadOnlySpan<float> peephole, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, Span<float> dGates, Span<float> dcPrev, Span<float> dPeephole, int hidden, nuint j) where V : struct, IFloatVector<V>
    {
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
        var one = V.One;
        for (; j + (nuint)V.Count <= H; j += (nuint)V.Count)
        {
            var i = V.Load(ref g0, j);
            var f = V.Load(ref g0, H + j);
            var g = V.Load(ref g0, 2 * H + j);
            var o = V.Load(ref g0, 3 * H + j);
            var t = V.Load(ref tc, j);
            var dhV = V.Load(ref dhr, j);
            var cPrevV = V.Load(ref cp, j);
            // dL/do and the pre-activation gradient of o.
            var dao = dhV * t * o * (one - o);
            // dL/dc_t: from h_t = o*tanh(c_t), from step t+1, and through the o peephole.
            var dcV = V.Fma(dhV * o, one - t * t, V.Load(ref dcr, j));
            if (peep) dcV = V.Fma(dao, V.Load(ref pp, 2 * H + j), dcV);
            var dai = dcV * g * i * (one - i);
            var daf = dcV * cPrevV * f * (one - f);
            var dag = dcV * i * (one - g * g);
            var dcPrevV = dcV * f;
            if (peep)
            {
                dcPrevV = V.Fma(dai, V.Load(ref pp, j), dcPrevV);
                dcPrevV = V.Fma(daf, V.Load(ref pp, H + j), dcPrevV);
                V.Fma(dai, cPrevV, V.Load(ref dpp, j)).Store(ref dpp, j);
                V.Fma(daf, cPrevV, V.Load(ref dpp, H + j)).Store(ref dpp, H + j);
                V.Fma(dao, V.Load(ref cr, j), V.Load(ref dpp, 2 * H + j)).Store(ref dpp, 2 * H + j);
            }
            dai.Store(ref dg0, j);
            daf.Store(ref dg0, H + j);
            dag.Store(ref dg0, 2 * H + j);
            dao.Store(ref dg0, 3 * H + j);
            dcPrevV.Store(ref dcp, j);
        }
        return j;
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
