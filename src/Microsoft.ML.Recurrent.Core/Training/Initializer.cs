using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// Initial weights the way Keras users expect: Glorot-uniform input and head weights, orthogonal recurrent
/// weights (one orthogonal H×H block per gate, Haar-distributed as Saxe et al. and Keras draw them), zero biases
/// except the LSTM forget-gate bias (default 1, Jozefowicz et al. 2015) and the GRU update-gate bias (chrono
/// initialisation, Tallec &amp; Ollivier 2018, see <see cref="TrainingOptions.UpdateGateTimescale"/>), embeddings uniform in ±0.05 with the padding row at zero,
/// peepholes at zero. Deterministic for a given seed (on a given instruction set: the orthogonalisation runs on
/// the engine's SGEMM).
/// </summary>
internal static class Initializer
{
    public static float[] Create(ParameterLayout layout, TrainingOptions options)
        => Create(layout, options.Seed, options.ForgetGateBias, options.UpdateGateTimescale);

    /// <param name="layout">Where each tensor lives.</param>
    /// <param name="seed">Seed of every random draw.</param>
    /// <param name="forgetGateBias">LSTM: initial forget-gate bias (gate 1 of <c>bias_ih</c>).</param>
    /// <param name="updateGateTimescale">GRU: chrono initialisation of the update-gate bias (gate z, 1 of <c>bias_ih</c>) up to this many steps; 0 = zero bias.</param>
    public static float[] Create(ParameterLayout layout, int seed, float forgetGateBias, int updateGateTimescale = TrainingOptions.DefaultUpdateGateTimescale)
    {
        var a = layout.Architecture;
        var p = new float[layout.Count];
        ulong root = SplitMix64.Hash((ulong)(uint)seed ^ 0x5EEDUL);
        var rng = new SplitMix64(root);
        int H = a.HiddenSize, gh = a.GateCount * H;

        if (layout.Embedding >= 0)
        {
            Span<float> e = p.AsSpan(layout.Embedding, a.VocabularySize * a.EmbeddingSize);
            Uniform(e, 0.05f, ref rng);
            e[..a.EmbeddingSize].Clear();  // padding row
        }
        foreach (var d in layout.Directions)
        {
            Uniform(p.AsSpan(d.WeightIh, gh * d.InputSize), MathF.Sqrt(6f / (d.InputSize + gh)), ref rng);
            if (a.Cell == RecurrentCellType.Lstm) p.AsSpan(d.BiasIh + H, H).Fill(forgetGateBias);
            if (a.Cell == RecurrentCellType.Gru && updateGateTimescale > 0)
                for (int k = 0; k < H; k++) p[d.BiasIh + H + k] = (float)Math.Log(1 + rng.NextDouble() * (updateGateTimescale - 2));  // chrono: ln U[1, T-1]
        }
        Uniform(p.AsSpan(layout.HeadWeight, a.LogitCount * a.OutputSize), MathF.Sqrt(6f / (a.OutputSize + a.LogitCount)), ref rng);

        // The H×H recurrent blocks (one per gate, direction and layer) are independent: each has its own random
        // stream (SplitMix64 is counter-based), so they can be drawn in parallel and the result does not depend on
        // the thread count.
        var blocks = new List<int>();
        if (a.Recurrence == RnnRecurrence.Jordan)
        {
            // Jordan: W_hy [H, R] and W_yh [R, H] are not square; Glorot-uniform like the other projections.
            int R = a.RecurrentSize;
            foreach (var d in layout.Directions)
            {
                Uniform(p.AsSpan(d.WeightHh, H * R), MathF.Sqrt(6f / (H + R)), ref rng);
                Uniform(p.AsSpan(d.WeightYh, R * H), MathF.Sqrt(6f / (H + R)), ref rng);
            }
        }
        else foreach (var d in layout.Directions)
            for (int g = 0; g < a.GateCount; g++) blocks.Add(d.WeightHh + g * H * H);
        void Draw(int i)
        {
            var blockRng = new SplitMix64(SplitMix64.Hash(root ^ (0x0A7BUL + (ulong)i * 0x9E3779B97F4A7C15UL)));
            Orthogonal(p.AsSpan(blocks[i], H * H), H, ref blockRng);
        }
        if (H >= 256) Parallel.For(0, blocks.Count, Draw);
        else for (int i = 0; i < blocks.Count; i++) Draw(i);
        return p;
    }

    private static void Uniform(Span<float> w, float limit, ref SplitMix64 rng)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
    }

    /// <summary>Rows per Gram–Schmidt block: large enough that the projections are GEMMs, small enough that the in-block pass is cheap.</summary>
    private const int Block = 64;

    /// <summary>
    /// w [n, n] (in place) = the orthonormalised rows of a standard normal matrix G. Gram–Schmidt gives G = L·Q with
    /// a positive diagonal L, i.e. Q is the orthogonal factor of Gᵀ's QR with sign(diag R) = +1, which is
    /// Haar-distributed (uniform over orthogonal matrices), as Q·sign(diag R) of any QR is.
    /// </summary>
    /// <remarks>
    /// Block classical Gram–Schmidt in single precision: each block of 64 rows is projected off all previous rows
    /// with two SGEMMs, then orthonormalised within itself by modified Gram–Schmidt (two passes). The projection is
    /// repeated when it removed more than half of a row's squared norm ("twice is enough", Kahan–Parlett; Giraud
    /// et al. 2005), which for a Gaussian matrix happens past the middle row. About 3.5n³ flops, nearly all in
    /// SGEMM; orthogonality ~1e-6; the only scratch is one 64×n block. The double-precision Householder QR this
    /// replaces took 23 s and 985 MB for H = 2048.
    /// </remarks>
    private static void Orthogonal(Span<float> w, int n, ref SplitMix64 rng)
    {
        FillGaussian(w, ref rng);
        var coefficients = new float[Block * n];
        Span<float> before = stackalloc float[Block];
        for (int start = 0; start < n; start += Block)
        {
            int b = Math.Min(Block, n - start);
            Span<float> x = w.Slice(start * n, b * n);           // [b, n] rows being orthonormalised
            if (start > 0)
            {
                ReadOnlySpan<float> q = w[..(start * n)];          // [start, n] rows already orthonormal
                Span<float> c = coefficients.AsSpan(0, b * start); // [b, start]
                for (int i = 0; i < b; i++) before[i] = TensorPrimitives.Norm(x.Slice(i * n, n));
                for (int pass = 0; pass < 2; pass++)
                {
                    Sgemm.Multiply(false, true, b, start, n, x, n, q, n, c, start, accumulate: false);   // c = x·qᵀ
                    TensorPrimitives.Negate(c, c);
                    Sgemm.Multiply(false, false, b, n, start, c, start, q, n, x, n, accumulate: true);    // x -= c·q
                    bool kept = true;
                    for (int i = 0; i < b && kept; i++) kept = TensorPrimitives.Norm(x.Slice(i * n, n)) >= before[i] * 0.70710678f;
                    if (kept) break;
                }
            }
            for (int i = 0; i < b; i++)
            {
                Span<float> row = x.Slice(i * n, n);
                for (int pass = 0; pass < 2; pass++)
                    for (int j = 0; j < i; j++)
                    {
                        ReadOnlySpan<float> other = x.Slice(j * n, n);
                        TensorPrimitives.MultiplyAdd(other, -TensorPrimitives.Dot(row, other), row, row);
                    }
                float norm = TensorPrimitives.Norm(row);
                if (!(norm > 0) || !float.IsFinite(norm))
                    throw new InvalidOperationException($"Orthogonal initialisation met a rank-deficient block (row {start + i} of {n}).");
                TensorPrimitives.Divide(row, norm, row);
            }
        }
    }

    /// <summary>
    /// Standard normals by Box–Muller, vectorised: pairs (r·cos θ, r·sin θ) with r = √(−2 ln u1), θ = 2π u2, from
    /// 24-bit uniforms (u1 in (0, 1] keeps the log finite).
    /// </summary>
    private static void FillGaussian(Span<float> w, ref SplitMix64 rng)
    {
        const int Chunk = 1024;
        Span<float> u1 = stackalloc float[Chunk], u2 = stackalloc float[Chunk], sin = stackalloc float[Chunk], cos = stackalloc float[Chunk];
        for (int i = 0; i < w.Length; i += 2 * Chunk)
        {
            int pairs = Math.Min(Chunk, (w.Length - i + 1) / 2);
            for (int k = 0; k < pairs; k++)
            {
                ulong bits = rng.Next();
                u1[k] = ((bits >> 40) + 1) * (1f / (1 << 24));
                u2[k] = ((bits >> 16) & 0xFFFFFF) * (2f / (1 << 24));
            }
            var r = u1[..pairs];
            TensorPrimitives.Log(r, r);
            TensorPrimitives.Multiply(r, -2f, r);
            TensorPrimitives.Sqrt(r, r);
            TensorPrimitives.SinCosPi(u2[..pairs], sin[..pairs], cos[..pairs]);
            for (int k = 0; k < pairs; k++)
            {
                w[i + 2 * k] = r[k] * cos[k];
                if (i + 2 * k + 1 < w.Length) w[i + 2 * k + 1] = r[k] * sin[k];
            }
        }
    }
}
