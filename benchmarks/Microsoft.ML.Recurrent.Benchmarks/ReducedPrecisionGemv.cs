using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The measurement that chose <see cref="InferencePrecision.Int8"/> over bf16 (<c>speed --only lowp</c>, also part
/// of <c>floor</c>): the 28 per-step recurrent products of batch-1 inference (T = 28, H = 128), shaped like
/// <see cref="Floors"/>' fp32 "gemv1" line (h of the next step comes from the output), with
/// <list type="bullet">
/// <item>int8: the engine's own <see cref="Int8Gemv.Product"/>, quantization of h and scaling back included;</item>
/// <item>bf16: W_hhᵀ as bf16 pairs (.NET 10 has no AVX512-BF16 intrinsics): each 32-bit lane holds the weights of
/// inputs 2p and 2p+1 for one output; a shift and a mask turn the pair into two fp32 vectors for two FMAs. Half the
/// bytes of fp32, the same FMA count, plus two integer operations per 16 weight pairs.</item>
/// </list>
/// </summary>
internal static unsafe class ReducedPrecisionGemv
{
    private const int Steps = Workloads.SeqSteps, H = Workloads.Hidden;

    public static void Run(double seconds, Action<Dictionary<string, object>> emit)
    {
        foreach (var cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru })
        {
            int gh = (cell == RecurrentCellType.Lstm ? 4 : 3) * H;
            float[] whh = Floors.Random(gh * H, 3);   // [GH, H], PyTorch layout
            string name = cell.ToString().ToLowerInvariant();

            var int8 = new QuantizedRecurrentWeights(whh, gh, H, [(0, gh)]);
            float[] h = new float[H], gates = new float[gh];
            double us8 = Floors.Median(() =>
            {
                h.AsSpan().Fill(0.5f);
                for (int t = 0; t < Steps; t++)
                {
                    Int8Gemv.Product(1, 0, gh, h, H, int8, gates, gh, accumulate: false);
                    gates.AsSpan(0, H).CopyTo(h);
                }
            }, seconds / 2);
            emit(new() { ["kind"] = "floor", ["what"] = "gemv1_int8", ["cell"] = name, ["value"] = us8, ["unit"] = "us", ["weights_bytes"] = gh * H, ["vnni"] = AvxVnni.IsSupported });

            if (!Avx512F.IsSupported) continue;
            uint* bf16 = Bf16Panels(whh, gh);
            double us16 = Floors.Median(() =>
            {
                h.AsSpan().Fill(0.5f);
                fixed (float* hp = h, gp = gates)
                    for (int t = 0; t < Steps; t++)
                    {
                        for (int q = 0; q < gh; q += 256)
                        {
                            int width = Math.Min(256, gh - q);
                            if (width == 256) Bf16Panel256(hp, bf16 + q * H / 2, gp + q);
                            else Bf16Panel128(hp, bf16 + q * H / 2, gp + q);
                        }
                        gates.AsSpan(0, H).CopyTo(h);
                    }
            }, seconds / 2);
            emit(new() { ["kind"] = "floor", ["what"] = "gemv1_bf16", ["cell"] = name, ["value"] = us16, ["unit"] = "us", ["weights_bytes"] = gh * H * 2 });
        }
    }

    /// <summary>
    /// Column panels of 256 (then 128) outputs, [H/2][width] uint32 each, 64-byte aligned: lane (p, o) = bf16(W[o, 2p])
    /// in the low half, bf16(W[o, 2p+1]) in the high half (round to nearest even). Never freed: one per process.
    /// </summary>
    private static uint* Bf16Panels(float[] whh, int gh)
    {
        uint* panels = (uint*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(gh * H / 2 * 4), 64);
        for (int q = 0; q < gh; q += 256)
        {
            int width = Math.Min(256, gh - q);
            for (int p = 0; p < H / 2; p++)
                for (int o = 0; o < width; o++)
                    panels[q * H / 2 + p * width + o] = Bf16(whh[(q + o) * H + 2 * p]) | (uint)Bf16(whh[(q + o) * H + 2 * p + 1]) << 16;
        }
        return panels;
    }

    private static ushort Bf16(float v)
    {
        uint bits = BitConverter.SingleToUInt32Bits(v);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    private static void Bf16Panel256(float* h, uint* w, float* c)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        var mask = Vector512.Create(0xFFFF0000u);
        for (int p = 0; p < H / 2; p++)
        {
            var lo = Vector512.Create(h[2 * p]);
            var hi = Vector512.Create(h[2 * p + 1]);
            Step(ref c0, w, lo, hi, mask); Step(ref c1, w + 16, lo, hi, mask); Step(ref c2, w + 32, lo, hi, mask); Step(ref c3, w + 48, lo, hi, mask);
            Step(ref c4, w + 64, lo, hi, mask); Step(ref c5, w + 80, lo, hi, mask); Step(ref c6, w + 96, lo, hi, mask); Step(ref c7, w + 112, lo, hi, mask);
            Step(ref c8, w + 128, lo, hi, mask); Step(ref c9, w + 144, lo, hi, mask); Step(ref c10, w + 160, lo, hi, mask); Step(ref c11, w + 176, lo, hi, mask);
            Step(ref c12, w + 192, lo, hi, mask); Step(ref c13, w + 208, lo, hi, mask); Step(ref c14, w + 224, lo, hi, mask); Step(ref c15, w + 240, lo, hi, mask);
            w += 256;
        }
        c0.Store(c); c1.Store(c + 16); c2.Store(c + 32); c3.Store(c + 48); c4.Store(c + 64); c5.Store(c + 80); c6.Store(c + 96); c7.Store(c + 112);
        c8.Store(c + 128); c9.Store(c + 144); c10.Store(c + 160); c11.Store(c + 176); c12.Store(c + 192); c13.Store(c + 208); c14.Store(c + 224); c15.Store(c + 240);
    }

    private static void Bf16Panel128(float* h, uint* w, float* c)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        var mask = Vector512.Create(0xFFFF0000u);
        for (int p = 0; p < H / 2; p++)
        {
            var lo = Vector512.Create(h[2 * p]);
            var hi = Vector512.Create(h[2 * p + 1]);
            Step(ref c0, w, lo, hi, mask); Step(ref c1, w + 16, lo, hi, mask); Step(ref c2, w + 32, lo, hi, mask); Step(ref c3, w + 48, lo, hi, mask);
            Step(ref c4, w + 64, lo, hi, mask); Step(ref c5, w + 80, lo, hi, mask); Step(ref c6, w + 96, lo, hi, mask); Step(ref c7, w + 112, lo, hi, mask);
            w += 128;
        }
        c0.Store(c); c1.Store(c + 16); c2.Store(c + 32); c3.Store(c + 48); c4.Store(c + 64); c5.Store(c + 80); c6.Store(c + 96); c7.Store(c + 112);
    }

    /// <summary>c += h[2p]·W[., 2p] + h[2p+1]·W[., 2p+1] for 16 outputs: the low bf16 shifted up, the high one masked.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Step(ref Vector512<float> c, uint* w, Vector512<float> lo, Vector512<float> hi, Vector512<uint> mask)
    {
        Vector512<uint> v = Vector512.Load(w);
        c = Avx512F.FusedMultiplyAdd(lo, (v << 16).AsSingle(), c);
        c = Avx512F.FusedMultiplyAdd(hi, (v & mask).AsSingle(), c);
    }
}
